import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';

/**
 * The database drivers as this service configures them, without Kysely: `db.ts` wraps them in
 * Kysely, and a refit's counting thread reads through them alone (fit-input-pages.ts), because
 * loading Kysely's modules cost each thread about 250 ms of CPU before its first page.
 */

export interface DatabaseOptions {
  dbPath: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL only: connections per instance (default 10); instances × this must fit `max_connections`. */
  databasePoolSize?: number | undefined;
  /** PostgreSQL only: how long a request waits for a new connection (default 5 s). */
  databaseConnectTimeoutMs?: number | undefined;
  /**
   * The longest a statement runs on PostgreSQL (statement_timeout, and the same plus a margin
   * on the client for a server that does not answer at all), or waits for the file lock on SQLite
   * (busy_timeout). Default 15 s.
   */
  databaseQueryTimeoutMs?: number | undefined;
  /**
   * PostgreSQL only: the schema to use instead of the URL's search_path (tests give each file
   * its own). A plain lower-case identifier.
   */
  postgresSchema?: string | undefined;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

// Each driver is loaded only when the configuration names its engine: a SQLite instance never
// loads pg, a PostgreSQL one never loads better-sqlite3 (memory, start-up time).
const load = createRequire(import.meta.url);

export function loadPg(): typeof pg {
  const driver = load('pg') as typeof pg;
  // pg returns bigint and numeric as strings by default; every bigint we store (money in minor
  // units, epoch milliseconds, counts) fits in a double's 53 bits, so numbers are the honest type.
  driver.types.setTypeParser(driver.types.builtins.INT8, (value) => Number(value));
  driver.types.setTypeParser(driver.types.builtins.NUMERIC, (value) => Number(value));
  return driver;
}

const POSTGRES_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** The server cancels a slow statement itself; the client gives up this much later, for a server that is frozen. */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;

/** How every PostgreSQL connection of the service is opened (a pool's, or a single client's). */
export function postgresConnectionConfig(options: DatabaseOptions, queryTimeoutMs: number): pg.PoolConfig {
  const schema = options.postgresSchema;
  if (schema !== undefined && !POSTGRES_IDENTIFIER.test(schema)) throw new Error(`Invalid PostgreSQL schema name: ${schema}`);
  return {
    connectionString: options.databaseUrl,
    max: options.databasePoolSize ?? 10,
    // A database that does not answer makes requests (and /ready) fail instead of queueing forever.
    connectionTimeoutMillis: options.databaseConnectTimeoutMs ?? 5_000,
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    // A peer that vanished without closing (a failover, a cut network) is eventually dropped by
    // the kernel (probes from 10 s idle, then at the system's interval) instead of never; queries
    // on it are bounded sooner by query_timeout.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  };
}

export function openSqliteFile(path: string, busyTimeoutMs: number): SQLite.Database {
  const SQLiteDatabase = load('better-sqlite3') as typeof SQLite;
  const sqlite = new SQLiteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  // With WAL, NORMAL loses nothing when the process dies (kill -9); only a power cut or OS crash
  // can roll back the last transactions. See docs/operations.md.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // One process owns the file, so only outside readers and writers (a backup, the CLI) hold the
  // lock; this is how long a query waits for them.
  sqlite.pragma(`busy_timeout = ${Math.round(busyTimeoutMs)}`);
  // The default page cache is 2 MB; at 200k deals the indexes read and written on every request
  // no longer fit. 16 MB halved the first analytics call there; 64 MB gained little more and
  // cost 170 MB of peak RSS (docs/benchmark-history.md). 8 MB kept every figure of a full bench
  // run within its run-to-run spread and took 10–17 MB off the peak RSS (docs/benchmark.md, "Stop 31").
  sqlite.pragma('cache_size = -8192');
  return sqlite;
}
