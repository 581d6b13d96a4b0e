import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  PostgresPool,
  PostgresPoolClient,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import { breaksConnection, isClientReadTimeout, type DatabaseMonitor } from './availability.js';

const WRITE_QUERIES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

/**
 * Any Kysely dialect, with every query reported to the monitor, and a transaction whose
 * connection broke not rolled back on that connection (it is closed instead, which rolls back).
 * A ROLLBACK that fails is swallowed so the error that caused it is the one the caller sees:
 * SQLite rolls back by itself on SQLITE_FULL or an I/O error, and its "cannot rollback - no
 * transaction is active" used to replace the real cause.
 * `onError` sees every failed query first (the SQLite handle uses it to reopen a read-only file).
 */
export function observedDialect(inner: Dialect, monitor: DatabaseMonitor, onError?: (error: unknown) => void): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
    createIntrospector: (db: Kysely<any>) => inner.createIntrospector(db),
    createDriver: () => new ObservedDriver(inner.createDriver(), monitor, onError),
  };
}

class ObservedConnection implements DatabaseConnection {
  broken = false;
  inTransaction = false;
  /** A write succeeded in the open transaction: it is stored when the COMMIT succeeds. */
  wroteInTransaction = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly monitor: DatabaseMonitor,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const startedAt = Date.now();
    try {
      const result = await this.inner.executeQuery<R>(compiledQuery);
      this.monitor.recordSuccess(startedAt);
      if (WRITE_QUERIES.has(compiledQuery.query.kind)) {
        if (this.inTransaction) this.wroteInTransaction = true;
        else this.monitor.recordWriteSuccess();
      }
      return result;
    } catch (error) {
      this.fail(error, startedAt);
      throw error;
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    const startedAt = Date.now();
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      this.fail(error, startedAt);
      throw error;
    }
  }

  fail(error: unknown, startedAt: number): void {
    if (breaksConnection(error)) this.broken = true;
    this.onError?.(error);
    this.monitor.recordFailure(error, startedAt);
  }
}

class ObservedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly monitor: DatabaseMonitor,
    private readonly onError: ((error: unknown) => void) | undefined,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const startedAt = Date.now();
    try {
      return new ObservedConnection(await this.inner.acquireConnection(), this.monitor, this.onError);
    } catch (error) {
      this.monitor.recordFailure(error, startedAt);
      throw error;
    }
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction(connection, settings);
    const observed = connection as ObservedConnection;
    observed.inTransaction = true;
    observed.wroteInTransaction = false;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const observed = connection as ObservedConnection;
    await this.inner.commitTransaction(connection);
    observed.inTransaction = false;
    if (observed.wroteInTransaction) this.monitor.recordWriteSuccess();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const observed = connection as ObservedConnection;
    observed.inTransaction = false;
    if (observed.broken) return;
    try {
      await this.inner.rollbackTransaction(connection);
    } catch {
      // Kysely rethrows the error that made it roll back, unless this one replaces it.
    }
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.inner.releaseSavepoint?.(connection, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection((connection as ObservedConnection).inner);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

// SQL text → the name it is prepared under on each PostgreSQL connection (see preparedOnPostgres).
const preparedStatementNames = new Map<string, string>();

/**
 * Makes every PostgreSQL connection prepare `text` once, under a name, and then only bind and run
 * it: an unnamed query is parsed and planned again on every call (the bare baseline names its
 * statements the same way). For the hot queries built once (`compileOnce`), whose text never varies;
 * they name their columns.
 */
export function preparedOnPostgres(text: string): void {
  // PostgreSQL expands `*` when it prepares, and refuses to run the statement again once a
  // migration adds a column ("cached plan must not change result type"): such texts stay unnamed.
  if (SELECTS_STAR.test(text) || preparedStatementNames.has(text)) return;
  preparedStatementNames.set(text, `compiled_${preparedStatementNames.size + 1}`);
}

const SELECTS_STAR = /(select|,)\s*("[^"]+"\.)?\*/i;

/**
 * A pg pool whose clients are destroyed instead of returned when a query on them failed in a way
 * that leaves the connection unusable: reset, terminated by the server, or timed out client-side
 * (pg then still waits for the abandoned query's answer, and every later query would queue behind it).
 *
 * A client-side timeout means the server fell silent (frozen, or a network cut) at the latest when
 * that query was sent. Idle clients last answered before then are as suspect as the one that timed
 * out, and each would make its next request wait out the whole query timeout: they are closed when
 * next taken from the pool, and a new connection (bounded by the shorter connect timeout) is made.
 */
export function discardingBrokenClients(pool: pg.Pool): PostgresPool {
  const lastAnsweredAt = new WeakMap<pg.PoolClient, number>();
  let silentSince = Number.NEGATIVE_INFINITY;
  const take = async () => {
    const client = await pool.connect();
    // A client seen for the first time has just connected: the server answered it now.
    if (!lastAnsweredAt.has(client)) lastAnsweredAt.set(client, Date.now());
    return client;
  };
  return {
    end: () => pool.end(),
    async connect(): Promise<PostgresPoolClient> {
      let client = await take();
      while (lastAnsweredAt.get(client)! < silentSince) {
        client.release(new Error('idle through a silence of the server'));
        client = await take();
      }
      const checkedOut = client;
      let broken: Error | undefined;
      return {
        query: ((...args: Parameters<pg.PoolClient['query']>) => {
          const sentAt = Date.now();
          const name = typeof args[0] === 'string' ? preparedStatementNames.get(args[0]) : undefined;
          const result =
            name === undefined
              ? (checkedOut.query as (...a: unknown[]) => unknown)(...args)
              : checkedOut.query({ name, text: args[0] as string, values: args[1] as unknown[] });
          if (!(result instanceof Promise)) return result;
          return result.then(
            (answer: unknown) => {
              lastAnsweredAt.set(checkedOut, Date.now());
              return answer;
            },
            (error: unknown) => {
              if (isClientReadTimeout(error)) silentSince = Math.max(silentSince, sentAt);
              if (breaksConnection(error)) broken ??= error as Error;
              throw error;
            },
          );
        }) as PostgresPoolClient['query'],
        release: () => checkedOut.release(broken),
      };
    },
  };
}
