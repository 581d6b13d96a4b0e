import { chunks } from './chunks.js';
import { DEFAULT_QUERY_TIMEOUT_MS, loadPg, openSqliteFile, postgresConnectionConfig, type DatabaseOptions } from './drivers.js';

/**
 * The fits' read (fit-inputs.ts) on a connection of its own, through the driver alone: a refit's
 * counting threads start here, and loading Kysely cost each of them about 250 ms of CPU before
 * its first page. The statement is compiled by Kysely where it is loaded already (`compileFitInputPages`).
 */

/**
 * A page of deals as the fits read it (see fit-inputs.ts, `streamFitInputs`), one row as the driver
 * gives it: the page's last deal id (null when the page is empty), how many deals it holds, and
 * their paths as one text in the domain's `PATH_LINES` form (null when none has a touchpoint in the
 * window): per deal a line, won or lost, then the partners of its touchpoints inside the lookback
 * window, oldest first, ties in recording order, repeats kept. One string per page: the counting
 * reads the ids where they stand, and the driver makes no row, array or string per deal.
 */
export type FitInputPageRow = [last: string | null, deals: number, paths: string | null];

export const DEALS_PER_PAGE = 5000;
/** The page cache of a fit reader's SQLite connection, KiB. */
const FIT_READ_CACHE_KIB = 2048;

/** Where the page after `page` starts (after its last deal), or undefined when `page` was the last (not full). */
export const nextPageAfter = ([last, deals]: FitInputPageRow): string | undefined =>
  Number(deals) === DEALS_PER_PAGE && last !== null ? last : undefined;

/** A statement of the fits' read, compiled: its text and parameters. */
export interface CompiledStatement {
  sql: string;
  parameters: readonly unknown[];
}

/** A page statement of the fits' read, compiled: the parameter at `afterAt` is the id the page starts after. */
export interface CompiledFitPages extends CompiledStatement {
  afterAt: number;
}

/** A compiled statement with a list of ids as its parameter at `listedAt`. */
export type CompiledListStatement = CompiledStatement & { listedAt: number };

/** One range of deals as a counting thread reads it (fit-inputs.ts, `compileFitInputPages`). */
export interface CompiledFitRead {
  /** The range's pending deals: one column, the id. */
  pending: CompiledStatement;
  /** Pages of the stored paths of the deals not listed. */
  stored: CompiledFitPages & { listedAt: number };
  /** How many deals the range holds: one row, one column. */
  dealCount: CompiledStatement;
  /** The range's deals with no path stored with this window, but not the listed ones: one column, the id. */
  missing: CompiledListStatement;
  /** One page of the listed deals' paths from their touchpoints. */
  listed: CompiledListStatement;
}

/**
 * The paths of one range of deals, read through a connection opened for them and closed at the
 * end, in one snapshot, so that a deal recomputed meanwhile is read once, from one side (see
 * `compileFitInputPages`): the stored paths of the deals whose path is current, then the others'
 * from their touchpoints; each page as its paths' text (empty when none has a touchpoint in the
 * window), each stored page asked for while the one before is counted. The same lines as
 * `streamFitInputs` over the same range, in another order. PostgreSQL reads with JIT compilation
 * off (see fit-inputs.ts, `readPostgresPage`), set once for the connection.
 *
 * @example
 * for await (const paths of readCompiledFitPages({ dbPath: 'data/app.db' }, compileFitInputPages(db, windowMs, { through: middle }))) counts.addPathLines(paths);
 */
export async function* readCompiledFitPages(database: Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>, read: CompiledFitRead): AsyncGenerator<string> {
  const reader = await openReader(database);
  try {
    await reader.beginSnapshot();
    const ids = async (statement: CompiledStatement) => (await reader.rows(statement.sql, statement.parameters)).map((row) => row[0] as string);
    const withList = (statement: CompiledStatement & { listedAt: number }, list: readonly string[]) =>
      statement.parameters.map((value, index) => (index === statement.listedAt ? reader.idList(list) : value));
    const pending = await ids(read.pending);
    let stored = 0;
    yield* pagesOf(reader, { ...read.stored, parameters: withList(read.stored, pending) }, (deals) => (stored += deals));
    const [[deals] = []] = await reader.rows(read.dealCount.sql, read.dealCount.parameters);
    // Short of the count: some deals have no path stored with this window.
    const missing = stored + pending.length === Number(deals) ? [] : await ids({ ...read.missing, parameters: withList(read.missing, pending) });
    for (const page of chunks([...pending, ...missing], DEALS_PER_PAGE)) {
      const [row] = await reader.rows(read.listed.sql, withList(read.listed, page));
      yield (row as FitInputPageRow | undefined)?.[2] ?? '';
    }
  } finally {
    await reader.close();
  }
}

/** The pages of `pages`, one after the other, each asked for while the one before is counted; `onPage` is told each page's count of deals. */
async function* pagesOf(reader: Reader, pages: CompiledFitPages, onPage: (deals: number) => void): AsyncGenerator<string> {
  const parameters = [...pages.parameters];
  // Its failure is marked handled at once (it may come while the page before is counted); the loop's await throws it.
  const ask = () => {
    const page = reader.rows(pages.sql, parameters).then((rows) => rows[0] as FitInputPageRow);
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<FitInputPageRow> | undefined = ask();
  try {
    while (next !== undefined) {
      const page = await next;
      onPage(Number(page[1]));
      const after = nextPageAfter(page);
      next = undefined;
      if (after !== undefined) {
        parameters[pages.afterAt] = after;
        next = ask();
      }
      yield page[2] ?? '';
    }
  } finally {
    // A reader that stopped early leaves a page in flight: it is not wanted, but the connection waits for it.
    await next?.catch(() => undefined);
  }
}

interface Reader {
  /** Starts the one snapshot every later statement reads. */
  beginSnapshot: () => Promise<void>;
  rows: (sql: string, parameters: readonly unknown[]) => Promise<unknown[][]>;
  /** A list of ids as the engine's one parameter (see json-rows.ts, `idListParameter`). */
  idList: (ids: readonly string[]) => unknown;
  /** Ends the snapshot and closes the connection. */
  close: () => Promise<void>;
}

async function openReader(database: Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>): Promise<Reader> {
  if (!database.databaseUrl) {
    const sqlite = openSqliteFile(database.dbPath, DEFAULT_QUERY_TIMEOUT_MS);
    // One pass in id order re-reads only the index's upper levels, which 2 MB holds. The service's
    // larger cache would cost this connection the first touch of every page of it: about 60 ms a
    // thread of a 200,000-deal refit at 16 MB (docs/benchmark.md).
    sqlite.pragma(`cache_size = -${FIT_READ_CACHE_KIB}`);
    const statements = new Map<string, { all: (...parameters: unknown[]) => unknown[] }>();
    const prepared = (text: string) => {
      let statement = statements.get(text);
      if (statement === undefined) statements.set(text, (statement = sqlite.prepare(text).raw(true)));
      return statement;
    };
    return {
      // A deferred transaction: its snapshot is taken by the first read and kept to the end.
      beginSnapshot: async () => void sqlite.exec('begin'),
      rows: async (text, parameters) => prepared(text).all(...parameters) as unknown[][],
      idList: (ids) => JSON.stringify(ids),
      close: async () => void sqlite.close(),
    };
  }
  const client = new (loadPg().Client)(postgresConnectionConfig(database, DEFAULT_QUERY_TIMEOUT_MS));
  // A connection that breaks fails the query in flight; unheard, its 'error' event would end the thread.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('set jit = off');
  } catch (error) {
    await client.end();
    throw error;
  }
  return {
    beginSnapshot: async () => void (await client.query('begin transaction isolation level repeatable read, read only')),
    rows: async (text, parameters) => (await client.query<unknown[]>({ text, values: [...parameters], rowMode: 'array' })).rows,
    idList: (ids) => [...ids],
    // Closing the connection ends its read-only transaction.
    close: () => client.end(),
  };
}
