import { accessSync, constants, mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import { createQueryId, Kysely, PostgresAdapter, PostgresDialect, SelectQueryNode, SqliteDialect, sql, type QueryId, type SqliteDatabase } from 'kysely';
import { DatabaseMonitor, monitorOf, registerMonitor } from './availability.js';
import { discardingBrokenClients, observedDialect } from './observed-dialect.js';
import { DEFAULT_QUERY_TIMEOUT_MS, loadPg, openSqliteFile, postgresConnectionConfig, type DatabaseOptions } from './drivers.js';
import type { Database } from './schema.js';

export type { DatabaseOptions } from './drivers.js';
export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(options: Pick<DatabaseOptions, 'databaseUrl'>): Dialect {
  return options.databaseUrl ? 'postgres' : 'sqlite';
}

/**
 * Opens the database the configuration names: PostgreSQL when `databaseUrl` is set,
 * otherwise the SQLite file at `dbPath` (created, in WAL mode). Nothing waits forever: every
 * query and every new connection has a timeout. Failures are reported to the database's
 * monitor (`monitorOf(db)`), which says whether it answers and accepts writes.
 */
export function createDatabase(options: DatabaseOptions): Db {
  // The probe needs the database it probes, which needs the monitor: filled in below.
  let probe: () => Promise<string | undefined> = async () => undefined;
  const monitor = new DatabaseMonitor(() => probe());
  const queryTimeoutMs = options.databaseQueryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  let db: Db;
  if (options.databaseUrl) {
    const pool = new (loadPg().Pool)(postgresConnectionConfig(options, queryTimeoutMs));
    // A connection that breaks emits 'error' on its client, idle or checked out (PostgreSQL
    // stopped, restarted, pg_terminate_backend). Without a listener that error kills the process;
    // the query in flight fails on its own, and the pool drops the client (see observed-dialect.ts).
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const postgres = new Kysely<Database>({ dialect: observedDialect(new PostgresDialect({ pool: discardingBrokenClients(pool) }), monitor) });
    probe = () => postgresWriteProblem(postgres);
    db = postgres;
    postgresConnections.set(postgres.getExecutor().adapter, { dbPath: options.dbPath, databaseUrl: options.databaseUrl, postgresSchema: options.postgresSchema });
  } else {
    const path = options.dbPath;
    const sqlite = openSqlite(path, queryTimeoutMs);
    const file = new Kysely<Database>({ dialect: observedDialect(new SqliteDialect({ database: sqlite }), monitor, sqlite.noteError) });
    probe = async () => {
      await sql`select 1`.execute(file);
      return sqliteWriteProblem(path);
    };
    db = file;
    sqliteHandles.set(file.getExecutor().adapter, sqlite);
  }
  registerMonitor(db, monitor);
  return db;
}

const STATEMENT_CACHE_SIZE = 500;
// Long texts are `in (…)` lists and multi-row inserts: each length is its own statement, rarely
// reused, and together they held ~100 MB of native memory (docs/benchmark-history.md). Not cached.
const LONGEST_CACHED_STATEMENT = 2048;

interface SqliteHandle extends SqliteDatabase {
  /** The file's path, as opened. */
  name: string;
  memory: boolean;
  /** Told of every failed query: a read-only file is reopened once it can be written again. */
  noteError: (error: unknown) => void;
  /** See {@link othersCommitVersion}. */
  othersCommitVersion: () => number | undefined;
  /** Rows as arrays of column values (statements of their own, never the ones Kysely uses). */
  allRaw: (text: string, parameters: readonly unknown[]) => unknown[][];
}

// By the adapter, which every instance derived from the database shares (withPlugin, as the app's query timing does).
const sqliteHandles = new WeakMap<object, SqliteHandle>();

/**
 * SQLite only (undefined on PostgreSQL, and inside a transaction): runs `read` holding the database's one connection, so
 * no other query or transaction interleaves, with a function that returns rows as arrays of
 * values. For reads of a million rows, where Kysely's row objects cost about 40 % more CPU, and
 * for the hottest small reads (a GET /partners page), where they cost a third of the read.
 */
export async function readSqliteRaw<T>(db: Db, read: (all: SqliteHandle['allRaw']) => T): Promise<T | undefined> {
  const handle = db.isTransaction ? undefined : sqliteHandles.get(db.getExecutor().adapter);
  if (handle === undefined) return undefined;
  // Reported to the monitor as Kysely's queries are (observed-dialect.ts), so a route that reads
  // this way still marks an outage and its end; and each statement to the plugins as a select
  // (the app's metrics time and count it), which do not see its rows.
  const monitor = monitorOf(db);
  const executor = db.getExecutor();
  const queryIds: QueryId[] = [];
  const all: SqliteHandle['allRaw'] = (text, parameters) => {
    const queryId = createQueryId();
    executor.transformQuery(RAW_SELECT, queryId);
    const rows = handle.allRaw(text, parameters);
    queryIds.push(queryId);
    return rows;
  };
  // The executor's own hold on the connection: `db.connection()` builds a Kysely instance per call.
  const result = await executor.provideConnection(async () => {
    const startedAt = Date.now();
    try {
      const result = read(all);
      monitor.recordSuccess(startedAt);
      return result;
    } catch (error) {
      handle.noteError(error);
      monitor.recordFailure(error, startedAt);
      throw error;
    }
  });
  for (const queryId of queryIds) for (const plugin of executor.plugins) await plugin.transformResult({ queryId, result: { rows: [] } });
  return result;
}

const RAW_SELECT = SelectQueryNode.create();

/**
 * The SQLite file `db` reads, for opening another connection to it (a fit counting on a thread of
 * its own); undefined on PostgreSQL and for an in-memory database, which no other connection sees.
 */
export function sqliteFilePath(db: Db): string | undefined {
  const handle = sqliteHandles.get(db.getExecutor().adapter);
  return handle === undefined || handle.memory ? undefined : handle.name;
}

const postgresConnections = new WeakMap<object, DatabaseOptions>();

/**
 * How to open another connection to the database `db` reads (the refit's threads count through
 * connections of their own): the SQLite file, or PostgreSQL's URL and schema. Undefined for an
 * in-memory SQLite database, which no other connection sees.
 */
export function databaseOptionsOf(db: Db): Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'> | undefined {
  const postgres = postgresConnections.get(db.getExecutor().adapter);
  if (postgres !== undefined) return { dbPath: postgres.dbPath, databaseUrl: postgres.databaseUrl, postgresSchema: postgres.postgresSchema };
  const dbPath = sqliteFilePath(db);
  return dbPath === undefined ? undefined : { dbPath };
}

/**
 * A number that changes whenever another connection commits to this SQLite file: another
 * process (the CLI, a second instance, an operator's `sqlite3`), or another app of this process
 * on the same file. It does not change for this connection's own writes. Undefined on PostgreSQL,
 * and while this connection is inside a transaction (a read snapshot can be older than the last
 * commit, so the number could miss one); the caller must then read the database.
 * Costs no query through Kysely: SQLite's `data_version` reads the WAL header.
 */
export function othersCommitVersion(db: Db): number | undefined {
  return sqliteHandles.get(db.getExecutor().adapter)?.othersCommitVersion();
}

/**
 * {@link othersCommitVersion}, read once for all who ask in the same turn of the event loop, after
 * its I/O callbacks: the requests that arrived together. Each asker gets a number read after it
 * asked, so it misses no commit made before its request began; the read costs about as much as
 * a small query (SQLite takes the WAL's read lock for it), and under load one serves many requests.
 * All resume together, in the order they asked.
 */
export function othersCommitVersionSoon(db: Db): Promise<number | undefined> {
  const adapter = db.getExecutor().adapter;
  let soon = commitVersionsSoon.get(adapter);
  if (soon === undefined) {
    soon = new Promise((resolve) =>
      setImmediate(() => {
        commitVersionsSoon.delete(adapter);
        resolve(othersCommitVersion(db));
      }),
    );
    commitVersionsSoon.set(adapter, soon);
  }
  return soon;
}

const commitVersionsSoon = new WeakMap<object, Promise<number | undefined>>();

/**
 * better-sqlite3 with its prepared statements kept by SQL text. Kysely's driver prepares every
 * query anew, which cost 10–25 % of the CPU on the hot routes; Kysely compiles the same text for
 * the same query shape, so a small cache catches nearly all of them. Oldest entry out first.
 *
 * SQLite opens a file it may not write read-only, without a word, and stays so: once a write has
 * failed with SQLITE_READONLY, the file is reopened (between transactions) as soon as it is
 * writable again, so fixing the permissions or the mount needs no restart.
 */
function openSqlite(path: string, busyTimeoutMs: number): SqliteHandle {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let sqlite = openSqliteFile(path, busyTimeoutMs);
  const statements = new Map<string, SQLite.Statement>();
  const rawStatements = new Map<string, SQLite.Statement>();
  let dataVersion = sqlite.prepare('pragma data_version').pluck();
  // data_version counts per connection: a reopened connection starts a new series.
  let connection = 0;
  let reopenWhenWritable = false;
  const reopenIfWritable = () => {
    if (!reopenWhenWritable || sqlite.inTransaction || sqliteWriteProblem(path) !== undefined) return;
    const fresh = openSqliteFile(path, busyTimeoutMs);
    reopenWhenWritable = false;
    statements.clear();
    rawStatements.clear();
    sqlite.close();
    sqlite = fresh;
    dataVersion = sqlite.prepare('pragma data_version').pluck();
    connection++;
  };
  return {
    name: path,
    memory: path === ':memory:' || path === '',
    close: () => sqlite.close(),
    allRaw(text, parameters) {
      reopenIfWritable();
      let statement = rawStatements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text).raw(true);
        rawStatements.set(text, statement);
      }
      return statement.all(...parameters) as unknown[][];
    },
    prepare(text) {
      reopenIfWritable();
      if (text.length > LONGEST_CACHED_STATEMENT) return sqlite.prepare(text);
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        statements.set(text, statement);
        if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      }
      return statement;
    },
    othersCommitVersion() {
      if (sqlite.inTransaction || !sqlite.open) return undefined;
      try {
        return connection * 2 ** 32 + (dataVersion.get() as number);
      } catch {
        // The file fails (locked, I/O): the caller's query reports it to the monitor.
        return undefined;
      }
    },
    noteError(error) {
      const code = String((error as { code?: unknown } | null)?.code ?? '');
      if (code.startsWith('SQLITE_READONLY') && path !== ':memory:') reopenWhenWritable = true;
    },
  };
}

/** Why PostgreSQL cannot take writes, found without writing: it is a standby, or read-only. */
async function postgresWriteProblem(db: Db): Promise<string | undefined> {
  const { rows } = await sql<{ standby: boolean; read_only: string }>`
    select pg_is_in_recovery() as standby, current_setting('transaction_read_only') as read_only`.execute(db);
  const row = rows[0];
  if (row?.standby) return 'the database is a standby (in recovery) and refuses writes';
  if (row?.read_only === 'on') return 'the database refuses writes (transaction_read_only is on)';
  return undefined;
}

/** Below this much free space a write is likely to fail with SQLITE_FULL. */
const SQLITE_MIN_FREE_BYTES = 1024 * 1024;

/**
 * Why the SQLite file at `path` cannot take writes, found without writing: the file or its
 * directory (where the -wal and -shm files live) is not writable, or the disk is (nearly) full.
 */
export function sqliteWriteProblem(path: string): string | undefined {
  if (path === ':memory:') return undefined;
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    return `the database file is not writable (${(error as { code?: string }).code ?? String(error)})`;
  }
  const { bavail, bsize } = statfsSync(dirname(path));
  const free = bavail * bsize;
  return free < SQLITE_MIN_FREE_BYTES ? `the disk holding the database is full (${free} bytes free)` : undefined;
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

/** True when PostgreSQL ended this transaction to break a deadlock (SQLite has one writer: never). */
export function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '40P01';
}

/** A `LIKE` pattern that matches `text` anywhere, with `%`, `_` and `\` taken literally (use `escape '\'`). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Whether `db` (or a transaction of it) talks to PostgreSQL: row locks and `skip locked` exist only there. */
export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
