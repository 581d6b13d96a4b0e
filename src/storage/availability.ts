import { EventEmitter } from 'node:events';

/**
 * How a database error bears on the service, rather than on the one request:
 * - `unavailable`: the database cannot be reached or did not answer in time (stopped,
 *   restarting, stalled, connection killed). Nothing is wrong with the request; retry later.
 * - `writes_refused`: the database answers but cannot store anything (disk full, read-only file,
 *   a read-only standby after a failover).
 * Anything else (a constraint, a bad query) is the request's or the code's problem.
 */
export type DatabaseFailure = 'unavailable' | 'writes_refused';

// Node's socket errors, as pg reports them.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// pg's own errors carry no code, only these messages.
const PG_CONNECTION_MESSAGE = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Cannot use a pool after calling end/i;
// SQLSTATE: 08 connection exception, 57P01–03 shutdown/starting, 57014 statement timeout, 53300 too many connections.
const PG_UNAVAILABLE = /^(08...|57P0[123]|57014|53300|53200)$/;
// 53100 disk full, 25006 read-only transaction (a standby after a failover).
const PG_WRITES_REFUSED = new Set(['53100', '25006']);
const SQLITE_UNAVAILABLE = /^SQLITE_(CANTOPEN|IOERR|NOMEM|PROTOCOL)/;
// In WAL mode readers never wait, so a lock held too long (a backup, another writer) and an I/O
// error on writing stop writes only: reads, and `select 1` in /ready's probe, still succeed.
const SQLITE_WRITES_REFUSED = /^SQLITE_(FULL|READONLY|BUSY|LOCKED|IOERR_(WRITE|FSYNC|DIR_FSYNC|TRUNCATE))/;

/** The kind of failure `error` is, or undefined when it is not the database's availability. */
export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  if (error instanceof AggregateError) return error.errors.map(classifyDatabaseError).find(Boolean);
  if (!(error instanceof Error)) return undefined;
  const code = String((error as { code?: unknown }).code ?? '');
  if (PG_WRITES_REFUSED.has(code) || SQLITE_WRITES_REFUSED.test(code)) return 'writes_refused';
  if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code) || SQLITE_UNAVAILABLE.test(code)) return 'unavailable';
  if (!code && PG_CONNECTION_MESSAGE.test(error.message)) return 'unavailable';
  return undefined;
}

/** pg's error when the server sent nothing within query_timeout: it fell silent (frozen, a network cut). */
export function isClientReadTimeout(error: unknown): boolean {
  return error instanceof Error && !(error as { code?: unknown }).code && error.message === 'Query read timeout';
}

/** A connection that failed this way cannot be trusted with another query: close it instead. */
export function breaksConnection(error: unknown): boolean {
  if (classifyDatabaseError(error) !== 'unavailable') return false;
  const code = String((error as { code?: unknown }).code ?? '');
  // A statement timeout is cancelled by the server; the connection itself is fine.
  return code !== '57014' && !code.startsWith('SQLITE_');
}

/** One line about an error: its code and message, without a stack. */
export function describeDatabaseError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(describeDatabaseError).join('; ');
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return code ? `${String(code)}: ${error.message}` : error.message;
}

/** A refused write this long ago, with none stored since, still makes the database "not accepting writes". */
const WRITE_FAILURE_MEMORY_MS = 10_000;
/** Writes count as accepted again (logged once) when one is stored this long after the last refusal. */
const WRITES_ACCEPTED_AFTER_MS = 5_000;
/** While the database is down, at most one summary line this often. */
const SUMMARY_INTERVAL_MS = 30_000;

export interface DatabaseMonitorEvents {
  /** The first failure after a success. */
  unavailable: [error: unknown];
  /** At most every 30 s while it lasts: how many operations failed since the last line. */
  'still-unavailable': [failures: number, sinceMs: number];
  /** The first success after a failure. */
  available: [outageMs: number, failures: number];
  /** The first refused write after a success. */
  'writes-refused': [error: unknown];
  /** A write was stored at least 5 s after the last refused one. */
  'writes-accepted': [];
}

/**
 * What the database layer has seen lately: whether the database answers and accepts writes.
 * Every query reports here (see observed-dialect.ts); the HTTP layer logs its events once per
 * change, and /ready reads it.
 */
export class DatabaseMonitor extends EventEmitter<DatabaseMonitorEvents> {
  #down: { since: number; lastFailure: number; failures: number; reported: number; lastSummary: number } | undefined;
  #lastRecovery = Number.NEGATIVE_INFINITY;
  #lastWriteFailure: { at: number; error: unknown } | undefined;
  #lastWriteSuccess = 0;
  #refusingWrites = false;

  /**
   * @param probe queries the database and says why it cannot take writes, without writing
   *   (set by createDatabase for its engine); rejects when the database does not answer.
   */
  constructor(
    readonly probe: () => Promise<string | undefined> = async () => undefined,
    private readonly clock: () => number = Date.now,
  ) {
    super();
  }

  /**
   * Listens with every handler given.
   * @returns what stops listening.
   * @example const stop = monitor.subscribe({ unavailable: (error) => log(error) });
   */
  subscribe(handlers: { [E in keyof DatabaseMonitorEvents]?: (...args: DatabaseMonitorEvents[E]) => void }): () => void {
    const entries = Object.entries(handlers) as [keyof DatabaseMonitorEvents, never][];
    for (const [event, handler] of entries) this.on(event, handler);
    return () => {
      for (const [event, handler] of entries) this.off(event, handler);
    };
  }

  get available(): boolean {
    return this.#down === undefined;
  }

  /** The write refused in the last few seconds, unless one was stored since. */
  recentWriteFailure(): unknown {
    const failure = this.#lastWriteFailure;
    if (!failure || this.#lastWriteSuccess > failure.at) return undefined;
    return this.clock() - failure.at < WRITE_FAILURE_MEMORY_MS ? failure.error : undefined;
  }

  /** A write was stored (committed). */
  recordWriteSuccess(): void {
    const now = this.clock();
    this.#lastWriteSuccess = now;
    // Some writes still fit on a nearly full disk: wait for a quiet spell before saying it is over.
    if (this.#refusingWrites && now - (this.#lastWriteFailure?.at ?? 0) >= WRITES_ACCEPTED_AFTER_MS) {
      this.#refusingWrites = false;
      this.emit('writes-accepted');
    }
  }

  /**
   * @param startedAt when the query was sent: one sent before the latest failure and answered
   *   since says nothing about recovery (a stopping server finishes some queries as it goes).
   */
  recordSuccess(startedAt: number = this.clock()): void {
    if (this.#down && startedAt >= this.#down.lastFailure) {
      const { since, failures } = this.#down;
      this.#down = undefined;
      this.#lastRecovery = this.clock();
      this.emit('available', this.#lastRecovery - since, failures);
    }
  }

  /**
   * @param startedAt when the query was sent: one sent before the last recovery that fails
   *   after it (on a connection the outage broke) is a leftover of that outage, not a new one.
   */
  recordFailure(error: unknown, startedAt: number = this.clock()): void {
    const kind = classifyDatabaseError(error);
    const now = this.clock();
    if (kind === 'writes_refused') {
      this.#lastWriteFailure = { at: now, error };
      if (!this.#refusingWrites) {
        this.#refusingWrites = true;
        this.emit('writes-refused', error);
      }
      return;
    }
    if (kind !== 'unavailable') return;
    if (!this.#down) {
      if (startedAt < this.#lastRecovery) return;
      this.#down = { since: now, lastFailure: now, failures: 1, reported: 0, lastSummary: now };
      this.emit('unavailable', error);
      return;
    }
    const down = this.#down;
    down.failures++;
    down.lastFailure = now;
    if (now - down.lastSummary >= SUMMARY_INTERVAL_MS) {
      this.emit('still-unavailable', down.failures - down.reported, now - down.since);
      down.reported = down.failures;
      down.lastSummary = now;
    }
  }
}

/** What a Kysely instance shares with every instance derived from it (withPlugin, transactions). */
interface HasAdapter {
  getExecutor(): { readonly adapter: object };
}

const monitors = new WeakMap<object, DatabaseMonitor>();

/** The monitor of a database made by createDatabase, or of an instance derived from one (withPlugin, a transaction). */
export function monitorOf(db: HasAdapter): DatabaseMonitor {
  const monitor = monitors.get(db.getExecutor().adapter);
  if (!monitor) throw new Error('monitorOf: this database was not opened by createDatabase');
  return monitor;
}

/** Called once by createDatabase. */
export function registerMonitor(db: HasAdapter, monitor: DatabaseMonitor): void {
  monitors.set(db.getExecutor().adapter, monitor);
}
