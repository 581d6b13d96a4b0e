import { sql } from 'kysely';
import { PATH_LINES } from '../domain/attribution/index.js';
import { isPostgres, readSqliteRaw, type Db } from './db.js';
import { DEALS_PER_PAGE, nextPageAfter, type CompiledFitPages, type FitInputPageRow } from './fit-input-pages.js';

/** A slice of the deals by id: those after `after` ('' for the first), up to and including `through` (none: to the last). */
export interface DealRange {
  after?: string;
  through?: string;
}

/**
 * The paths of every deal of `range` (default all), a page of 5,000 deals at a time in id order,
 * each page as one text in the domain's `PATH_LINES` form (`FitCounts.addPathLines` counts it):
 * per deal with a touchpoint at most `windowMs` before the close (an integer; null: all) a line,
 * won or lost, then its partners oldest first. A fit thus holds one page and its own counts, never
 * every path. A page is one statement: each deal's path joined by the database (`group_concat` /
 * `string_agg` over an index-only range scan of `events_deal_path`, the lookback window applied
 * there too), and the page's lines joined once more, so a million touchpoints come to the service
 * as 40 rows instead of 200,000 (or a million). Deals with no touchpoint in the window have no line.
 * Deal order does not change a fit, and the lines may come in any order.
 *
 * @example
 * for await (const paths of streamFitInputs(db, 90 * MS_PER_DAY)) counts.addPathLines(paths);
 */
export async function* streamFitInputs(db: Db, windowMs: number | null, range: DealRange = {}): AsyncGenerator<string> {
  for (let after: string | undefined = range.after ?? ''; after !== undefined; ) {
    const page = await readPage(db, pageQuery(db, windowMs, after, range.through));
    yield page[2] ?? '';
    after = nextPageAfter(page);
  }
}

/** A page's one row, as `readCompiledFitPages` gets it: straight from better-sqlite3 on SQLite, through Kysely on PostgreSQL. */
async function readPage(db: Db, query: ReturnType<typeof pageQuery>): Promise<FitInputPageRow> {
  const { sql: text, parameters } = query.compile();
  const raw = await readSqliteRaw(db, (all) => all(text, parameters)[0] as FitInputPageRow);
  if (raw !== undefined) return raw;
  const [row] = await readPostgresPage(db, query);
  return [row?.last ?? null, Number(row?.deals ?? 0), row?.paths ?? null];
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
 * A page of {@link streamFitInputs}: the deals after `after` (up to `through`), each as its path's
 * line, joined. Each deal's path is an index-only range scan of `events_deal_path`
 * (test/hardening/events-deal-path-migration.test.ts).
 */
export function pageQuery(db: Db, windowMs: number | null, after: string, through: string | undefined) {
  const joined = isPostgres(db) ? sql.raw('string_agg') : sql.raw('group_concat');
  let deals = db
    .selectFrom('deals as d')
    .select((eb) => {
      let touchpoints = eb.selectFrom('events as e').whereRef('e.deal_id', '=', 'd.id');
      // closed_at − timestamp ≤ windowMs, in integers, as a range of the index.
      if (windowMs !== null) touchpoints = touchpoints.where(sql<boolean>`e.timestamp >= d.closed_at - ${windowMs}`);
      // Both engines would sort each deal's rows again for an ordered aggregate (`string_agg(… order
      // by …)`, `group_concat(… order by …)`), although the index gives them in that order. Fed
      // from an ordered subquery, which neither flattens away, the aggregate takes them as they
      // come: the same strings, without the per-deal sort (docs/decisions.md).
      const path = eb
        .selectFrom(touchpoints.select('e.partner_id').orderBy('e.timestamp').orderBy('e.seq').as('ordered'))
        .select(sql<string | null>`${joined}(ordered.partner_id, ${sql.lit(PATH_LINES.partner)})`.as('path'));
      // A deal without a path has a null line, which the page's aggregate leaves out.
      const mark = sql<string>`case when d.status = 'won' then ${sql.lit(PATH_LINES.won)} else ${sql.lit(PATH_LINES.lost)} end`;
      return ['d.id', sql<string | null>`${mark} || (${path})`.as('line')];
    })
    .where('d.id', '>', after);
  if (through !== undefined) deals = deals.where('d.id', '<=', through);
  // max(id) is the last id in the page's own order (the same collation orders and compares).
  return db
    .selectFrom(deals.orderBy('d.id').limit(DEALS_PER_PAGE).as('page'))
    .select([
      sql<string | null>`max(page.id)`.as('last'),
      sql<number>`count(*)`.as('deals'),
      sql<string | null>`${joined}(page.line, ${sql.lit(PATH_LINES.line)})`.as('paths'),
    ]);
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
