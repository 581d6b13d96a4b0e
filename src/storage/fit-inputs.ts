import { sql } from 'kysely';
import { isPostgres, readSqliteRaw, type Db } from './db.js';
import { DEALS_PER_PAGE, FIT_PATH_SEPARATOR, type CompiledFitPages, type FitInputDeal } from './fit-input-pages.js';

export { FIT_PATH_SEPARATOR, type FitInputDeal } from './fit-input-pages.js';

/** A slice of the deals by id: those after `after` ('' for the first), up to and including `through` (none: to the last). */
export interface DealRange {
  after?: string;
  through?: string;
}

/**
 * Every deal of `range` (default all) with its path (the touchpoints at most `windowMs` before
 * the close, an integer; null: all), a page of 5,000 deals at a time in id order,
 * so a fit holds one page and its own counts, never every path. A page is one statement: the
 * deals, each with its path joined into one string by the database (`group_concat` /
 * `string_agg` over an index-only range scan of `events_deal_path`, the lookback window applied there
 * too). A million touchpoints thus come to the service as 200,000 rows instead of a million
 * (about half the read's time). Deals with no touchpoint in the window are left out (their path
 * is empty). On SQLite the rows come as arrays straight from the driver, with the connection held
 * for the page (a few milliseconds); on PostgreSQL through Kysely. Deal order does not change a fit.
 *
 * @example
 * for await (const deals of streamFitInputs(db, 90)) for (const [, won, path] of deals) counts.addJoinedPath(path, FIT_PATH_SEPARATOR, won === 1 || won === true);
 */
export async function* streamFitInputs(db: Db, windowMs: number | null, range: DealRange = {}): AsyncGenerator<FitInputDeal[]> {
  for (let after = range.after ?? ''; ; ) {
    const query = pageQuery(db, windowMs, after, range.through);
    const { sql: text, parameters } = query.compile();
    const rows =
      (await readSqliteRaw(db, (all) => all(text, parameters) as [string, number, string | null][])) ??
      (await readPostgresPage(db, query)).map((row): [string, number | boolean, string | null] => [row.id, row.won, row.path]);
    yield rows.filter((row): row is [string, number | boolean, string] => row[2] !== null);
    if (rows.length < DEALS_PER_PAGE) return;
    after = (rows[rows.length - 1] as [string, ...unknown[]])[0];
  }
}

/**
 * PostgreSQL: a page read with JIT compilation off. The page's estimated cost (a subquery per deal)
 * is past `jit_above_cost`, and the compiled expressions made it slower, not faster: 180–250 ms a
 * page instead of 80 ms at 5,000 deals (EXPLAIN ANALYZE at full size, docs/benchmark-history.md).
 */
async function readPostgresPage(db: Db, query: ReturnType<typeof pageQuery>) {
  if (!isPostgres(db) || db.isTransaction) return query.execute();
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return trx.executeQuery(query.compile()).then((result) => result.rows);
  });
}

/**
 * The page statement of {@link streamFitInputs} over `range`, compiled, for reading on a connection
 * without Kysely (`readCompiledFitPages`, a refit's counting thread).
 *
 * @example
 * const pages = compileFitInputPages(db, 90 * MS_PER_DAY, { after: middle });
 */
export function compileFitInputPages(db: Db, windowMs: number | null, range: DealRange): CompiledFitPages {
  const compiled = pageQuery(db, windowMs, PAGE_START, range.through).compile();
  const afterAt = compiled.parameters.indexOf(PAGE_START);
  const parameters = compiled.parameters.map((value) => (value === PAGE_START ? (range.after ?? '') : value));
  return { sql: compiled.sql, parameters, afterAt };
}

/** Where the statement's `after` parameter stands, found by a value no deal id has (ids are letters, digits and `_ - . :`). */
const PAGE_START = '\u0000page start';

/**
 * A page of {@link streamFitInputs}: the deals after `after`, each with its path. Its plan is an
 * index-only range scan of `events_deal_path` per deal (test/hardening/events-deal-path-migration.test.ts).
 */
export function pageQuery(db: Db, windowMs: number | null, after: string, through: string | undefined) {
  let query = db
    .selectFrom('deals as d')
    .select((eb) => {
      let touchpoints = eb.selectFrom('events as e').whereRef('e.deal_id', '=', 'd.id');
      // closed_at − timestamp ≤ windowMs, in integers, as a range of the index.
      if (windowMs !== null) touchpoints = touchpoints.where(sql<boolean>`e.timestamp >= d.closed_at - ${windowMs}`);
      // Both engines would sort each deal's rows again for an ordered aggregate (`string_agg(… order
      // by …)`, `group_concat(… order by …)`), although the index gives them in that order. Fed
      // from an ordered subquery, which neither flattens away, the aggregate takes them as they
      // come: the same strings, without the per-deal sort (docs/decisions.md).
      const joined = isPostgres(db) ? sql.raw('string_agg') : sql.raw('group_concat');
      const path = eb
        .selectFrom(touchpoints.select('e.partner_id').orderBy('e.timestamp').orderBy('e.seq').as('ordered'))
        .select(sql<string | null>`${joined}(ordered.partner_id, ${sql.lit(FIT_PATH_SEPARATOR)})`.as('path'));
      return ['d.id', sql<number | boolean>`d.status = 'won'`.as('won'), path.as('path')];
    })
    .where('d.id', '>', after);
  if (through !== undefined) query = query.where('d.id', '<=', through);
  return query.orderBy('d.id').limit(DEALS_PER_PAGE);
}

/**
 * The deal id that splits the deals in two halves by id (the first half's last), for reading
 * them on two threads; undefined when there are fewer than two deals.
 */
export async function middleDealId(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('deals').select((eb) => eb.fn.countAll().as('deals')).executeTakeFirst();
  const deals = Number(row?.deals ?? 0);
  if (deals < 2) return undefined;
  const middle = await db.selectFrom('deals').select('id').orderBy('id').limit(1).offset(Math.floor(deals / 2) - 1).executeTakeFirst();
  return middle?.id;
}
