import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import type SQLite from 'better-sqlite3';
import { Kysely, PostgresAdapter, PostgresDialect, SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  dbPath: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL only: connections per instance (default 10); instances × this must fit `max_connections`. */
  databasePoolSize?: number | undefined;
  /**
   * PostgreSQL only: the schema to use instead of the URL's search_path (tests give each file
   * its own). A plain lower-case identifier.
   */
  postgresSchema?: string | undefined;
}

// Each driver is loaded only when the configuration names its engine: a SQLite instance never
// loads pg, a PostgreSQL one never loads better-sqlite3 (memory, start-up time).
const load = createRequire(import.meta.url);

function loadPg(): typeof pg {
  const driver = load('pg') as typeof pg;
  // pg returns bigint and numeric as strings by default; every bigint we store (money in minor
  // units, epoch milliseconds, counts) fits in a double's 53 bits, so numbers are the honest type.
  driver.types.setTypeParser(driver.types.builtins.INT8, (value) => Number(value));
  driver.types.setTypeParser(driver.types.builtins.NUMERIC, (value) => Number(value));
  return driver;
}

const POSTGRES_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function dialectOf(options: Pick<DatabaseOptions, 'databaseUrl'>): Dialect {
  return options.databaseUrl ? 'postgres' : 'sqlite';
}

/**
 * Opens the database the configuration names: PostgreSQL when `databaseUrl` is set,
 * otherwise the SQLite file at `dbPath` (created, in WAL mode).
 */
export function createDatabase(options: DatabaseOptions): Db {
  if (options.databaseUrl) {
    const schema = options.postgresSchema;
    if (schema !== undefined && !POSTGRES_IDENTIFIER.test(schema)) throw new Error(`Invalid PostgreSQL schema name: ${schema}`);
    const pool = new (loadPg().Pool)({
      connectionString: options.databaseUrl,
      max: options.databasePoolSize ?? 10,
      // A database that does not answer makes requests (and /ready) fail instead of queueing forever.
      connectionTimeoutMillis: 10_000,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    // An idle connection that breaks (PostgreSQL restarted, failover) is dropped by the pool and
    // replaced on the next query; without a listener the error would kill the process.
    pool.on('error', () => undefined);
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (options.dbPath !== ':memory:') mkdirSync(dirname(options.dbPath), { recursive: true });
  const SQLiteDatabase = load('better-sqlite3') as typeof SQLite;
  const sqlite = new SQLiteDatabase(options.dbPath);
  sqlite.pragma('journal_mode = WAL');
  // With WAL, NORMAL loses nothing when the process dies (kill -9); only a power cut or OS crash
  // can roll back the last transactions. See docs/operations.md.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // The default page cache is 2 MB; at 200k deals the indexes read and written on every request
  // no longer fit. 16 MB halved the first analytics call there; 64 MB gained little more and
  // cost 170 MB of peak RSS (docs/benchmark.md).
  sqlite.pragma('cache_size = -16384');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

const STATEMENT_CACHE_SIZE = 500;
// Long texts are `in (…)` lists and multi-row inserts: each length is its own statement, rarely
// reused, and together they held ~100 MB of native memory (docs/benchmark.md). Not cached.
const LONGEST_CACHED_STATEMENT = 2048;

/**
 * better-sqlite3 with its prepared statements kept by SQL text. Kysely's driver prepares every
 * query anew, which cost 10–25 % of the CPU on the hot routes; Kysely compiles the same text for
 * the same query shape, so a small cache catches nearly all of them. Oldest entry out first.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      if (text.length > LONGEST_CACHED_STATEMENT) return sqlite.prepare(text);
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        statements.set(text, statement);
        if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
  };
}

/** True when the database answers a trivial query. */
export async function pingDatabase(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

/** True for a unique or primary-key violation, on either engine. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** True for a foreign-key violation (a row naming a parent that does not exist), on either engine. */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** A `LIKE` pattern that matches `text` anywhere, with `%`, `_` and `\` taken literally (use `escape '\'`). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Whether `db` (or a transaction of it) talks to PostgreSQL: row locks and `skip locked` exist only there. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
