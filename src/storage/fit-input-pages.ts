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

/** A page statement of the fits' read, compiled: the parameter at `afterAt` is the id the page starts after. */
export interface CompiledFitPages {
  sql: string;
  parameters: readonly unknown[];
  afterAt: number;
}

/**
 * The pages of `pages`, one after the other (each asked for while the one before is counted), read
 * through a connection opened for them and closed at the end, each page as its paths' text (empty
 * when none has a touchpoint in the window): the same texts as `streamFitInputs` over the same
 * range. PostgreSQL reads with JIT compilation off (see fit-inputs.ts, `readPostgresPage`), set
 * once for the connection.
 *
 * @example
 * for await (const paths of readCompiledFitPages({ dbPath: 'data/app.db' }, compileFitInputPages(db, windowMs, { through: middle }))) counts.addPathLines(paths);
 */
export async function* readCompiledFitPages(database: Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>, pages: CompiledFitPages): AsyncGenerator<string> {
  const parameters = [...pages.parameters];
  const read = await openPageReader(database, pages.sql);
  // The next page is asked for before this one is counted, so the database reads it meanwhile. Its
  // failure is marked handled at once (it may come while this page is counted); the loop's await throws it.
  const ask = () => {
    const page = read(parameters);
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<FitInputPageRow> | undefined = ask();
  try {
    while (next !== undefined) {
      const page = await next;
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
    await read.close();
  }
}

interface PageReader {
  (parameters: readonly unknown[]): Promise<FitInputPageRow>;
  close: () => Promise<void>;
}

async function openPageReader(database: Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>, text: string): Promise<PageReader> {
  if (!database.databaseUrl) {
    const sqlite = openSqliteFile(database.dbPath, DEFAULT_QUERY_TIMEOUT_MS);
    // One pass in id order re-reads only the index's upper levels, which 2 MB holds. The service's
    // 16 MB cache would cost this connection the first touch of every page of it: about 60 ms a
    // thread of a 200,000-deal refit (docs/benchmark.md).
    sqlite.pragma(`cache_size = -${FIT_READ_CACHE_KIB}`);
    const statement = sqlite.prepare(text).raw(true);
    return Object.assign(async (parameters: readonly unknown[]) => statement.get(...parameters) as FitInputPageRow, { close: async () => void sqlite.close() });
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
  return Object.assign(
    async (parameters: readonly unknown[]) => (await client.query<FitInputPageRow>({ text, values: [...parameters], rowMode: 'array' })).rows[0] as FitInputPageRow,
    { close: () => client.end() },
  );
}
