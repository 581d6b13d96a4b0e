import { DEFAULT_QUERY_TIMEOUT_MS, loadPg, openSqliteFile, postgresConnectionConfig, type DatabaseOptions } from './drivers.js';

/**
 * The fits' read (fit-inputs.ts) on a connection of its own, through the driver alone: a refit's
 * counting threads start here, and loading Kysely cost each of them about 250 ms of CPU before
 * its first page. The statement is compiled by Kysely where it is loaded already (`compileFitInputPages`).
 */

/**
 * A deal as the fits read it (see fit-inputs.ts, `streamFitInputs`), a row as the driver gives it: its id,
 * whether it was won (1 or true), and its path: the partners of its touchpoints inside the
 * lookback window, oldest first, ties in recording order, repeats kept, joined by
 * {@link FIT_PATH_SEPARATOR}. A row per deal and no string per touchpoint: the counting reads the
 * ids where they stand in the path.
 */
export type FitInputDeal = readonly [id: string, won: number | boolean, path: string];

/** Partner ids are letters, digits and `_ - . :` (src/http/schemas.ts): a comma joins a path unambiguously. */
export const FIT_PATH_SEPARATOR = ',';

export const DEALS_PER_PAGE = 5000;

/** A page statement of the fits' read, compiled: the parameter at `afterAt` is the id the page starts after. */
export interface CompiledFitPages {
  sql: string;
  parameters: readonly unknown[];
  afterAt: number;
}

type RawDeal = [string, number | boolean, string | null];

/**
 * The pages of `pages`, one after the other (each asked for while the one before is counted), read
 * through a connection opened for them and closed at the end; the same rows as `streamFitInputs`
 * over the same range. PostgreSQL reads with JIT compilation off (see fit-inputs.ts,
 * `readPostgresPage`), set once for the connection.
 *
 * @example
 * for await (const deals of readCompiledFitPages({ dbPath: 'data/app.db' }, compileFitInputPages(db, windowMs, { through: middle }))) count(deals);
 */
export async function* readCompiledFitPages(database: Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>, pages: CompiledFitPages): AsyncGenerator<FitInputDeal[]> {
  const parameters = [...pages.parameters];
  const read = await openPageReader(database, pages.sql);
  // The next page is asked for before this one is counted, so the database reads it meanwhile. Its
  // failure is marked handled at once (it may come while this page is counted); the loop's await throws it.
  const ask = () => {
    const page = read(parameters);
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<RawDeal[]> | undefined = ask();
  try {
    while (next !== undefined) {
      const rows = await next;
      next = undefined;
      if (rows.length === DEALS_PER_PAGE) {
        parameters[pages.afterAt] = (rows[rows.length - 1] as RawDeal)[0];
        next = ask();
      }
      yield rows.filter((row): row is [string, number | boolean, string] => row[2] !== null);
    }
  } finally {
    // A reader that stopped early leaves a page in flight: it is not wanted, but the connection waits for it.
    await next?.catch(() => undefined);
    await read.close();
  }
}

interface PageReader {
  (parameters: readonly unknown[]): Promise<RawDeal[]>;
  close: () => Promise<void>;
}

async function openPageReader(database: Pick<DatabaseOptions, 'dbPath' | 'databaseUrl' | 'postgresSchema'>, text: string): Promise<PageReader> {
  if (!database.databaseUrl) {
    const sqlite = openSqliteFile(database.dbPath, DEFAULT_QUERY_TIMEOUT_MS);
    const statement = sqlite.prepare(text).raw(true);
    return Object.assign(async (parameters: readonly unknown[]) => statement.all(...parameters) as RawDeal[], { close: async () => void sqlite.close() });
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
    async (parameters: readonly unknown[]) => (await client.query<RawDeal>({ text, values: [...parameters], rowMode: 'array' })).rows,
    { close: () => client.end() },
  );
}
