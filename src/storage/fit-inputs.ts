import { sql } from 'kysely';
import { PATH_LINES } from '../domain/attribution/index.js';
import { isPostgres, readSqliteRaw, type Db } from './db.js';
import { DEALS_PER_PAGE, nextPageAfter, type CompiledFitPages, type CompiledFitRead, type FitInputPageRow } from './fit-input-pages.js';
import { inIdList, notInIdList } from './json-rows.js';

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
 * How a refit's counting thread reads the deals of `range` (`readCompiledFitPages`), compiled for
 * a connection without Kysely, all in one snapshot: the pending deals (their stored path may
 * predate their change), then the stored paths of all the others a page at a time, then the count
 * of the range's deals. When the pages and the pending deals make up that count, every other deal
 * had its path stored with this window; otherwise the deals missing from both are listed too (a
 * database written around the service, just migrated, or cut with another window). The listed
 * deals' paths are then gathered from their touchpoints. Together: every deal once, the same
 * lines as {@link streamFitInputs} (test/data-driven/fit-paths.test.ts).
 *
 * @example
 * const read = compileFitInputPages(db, 90 * MS_PER_DAY, { after: middle });
 */
export function compileFitInputPages(db: Db, windowMs: number | null, range: DealRange): CompiledFitRead {
  const after = range.after ?? '';
  const inRange = (column: string) => inDealRange(column, after, range.through);
  const pending = db.selectFrom('attribution_pending as q').innerJoin('deals as d', 'd.id', 'q.deal_id').select('q.deal_id').where(inRange('q.deal_id')).compile();
  const dealCount = db.selectFrom('deals as d').select(sql<number>`count(*)`.as('deals')).where(inRange('d.id')).compile();
  // The range stated for the stored paths too: PostgreSQL does not carry it into the subquery.
  const missing = db
    .selectFrom('deals as d')
    .select('d.id')
    .where(inRange('d.id'))
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('attribution_fit_paths as p').select('p.deal_id').whereRef('p.deal_id', '=', 'd.id').where(sameWindow('p.window_ms', windowMs)).where(inRange('p.deal_id')))),
    )
    .where(notInIdList(db, 'd.id', LISTED))
    .compile();
  const listed = linesPage(db, touchpointLines(db, windowMs).where(inIdList(db, 'd.id', LISTED)), 'id').compile();
  return {
    pending: { sql: pending.sql, parameters: pending.parameters },
    stored: keysetPages(storedPageQuery(db, windowMs, PAGE_START, range.through), after),
    dealCount: { sql: dealCount.sql, parameters: dealCount.parameters },
    missing: { sql: missing.sql, parameters: missing.parameters, listedAt: missing.parameters.indexOf(LISTED) },
    listed: { sql: listed.sql, parameters: listed.parameters, listedAt: listed.parameters.indexOf(LISTED) },
  };
}

function keysetPages(query: { compile: () => { sql: string; parameters: readonly unknown[] } }, after: string): CompiledFitPages & { listedAt: number } {
  const compiled = query.compile();
  const afterAt = compiled.parameters.indexOf(PAGE_START);
  const parameters = compiled.parameters.map((value) => (value === PAGE_START ? after : value));
  return { sql: compiled.sql, parameters, afterAt, listedAt: compiled.parameters.indexOf(LISTED) };
}

/** Where a statement's `after` parameter (or list of ids) stands, found by a value no deal id has (ids are letters, digits and `_ - . :`). */
const PAGE_START = '\u0000page start';

/** A stored path's window is the one the fits cut with (an integer, or null for none). */
const sameWindow = (column: 'p.window_ms', windowMs: number | null) =>
  windowMs === null ? sql<boolean>`${sql.ref(column)} is null` : sql<boolean>`${sql.ref(column)} = ${windowMs}`;

/** Where a statement's list of ids stands (as `PAGE_START`). */
const LISTED = '\u0000listed';

/**
 * A page of stored paths (`attribution_fit_paths`) after `after`: those cut with this window, but
 * not the listed deals (the pending ones: their paths may predate their change). The list, read
 * once, spares each page a look at the queue, a scan of its dead rows on a PostgreSQL table not
 * vacuumed since the last drains. Empty paths (no touchpoint in the window) count as deals of the
 * page but give no line.
 */
function storedPageQuery(db: Db, windowMs: number | null, after: string, through: string | undefined) {
  const mark = sql<string>`case when p.won = 1 then ${sql.lit(PATH_LINES.won)} else ${sql.lit(PATH_LINES.lost)} end`;
  const lines = db
    .selectFrom('attribution_fit_paths as p')
    .select(['p.deal_id', sql<string | null>`case when p.path = '' then null else ${mark} || p.path end`.as('line')])
    .where(inDealRange('p.deal_id', after, through))
    .where(sameWindow('p.window_ms', windowMs))
    .where(notInIdList(db, 'p.deal_id', LISTED))
    .orderBy('p.deal_id')
    .limit(DEALS_PER_PAGE);
  return linesPage(db, lines, 'deal_id');
}

/**
 * A page of {@link streamFitInputs}: the deals after `after` (up to `through`), each as its path's
 * line, joined. Each deal's path is an index-only range scan of `events_deal_path`
 * (test/hardening/events-deal-path-migration.test.ts).
 */
export function pageQuery(db: Db, windowMs: number | null, after: string, through: string | undefined) {
  const deals = touchpointLines(db, windowMs).where(inDealRange('d.id', after, through));
  return linesPage(db, deals.orderBy('d.id').limit(DEALS_PER_PAGE), 'id');
}

/** The ids of `column` after `after`, up to and including `through` (none: to the last). */
function inDealRange(column: string, after: string, through: string | undefined) {
  return through === undefined
    ? sql<boolean>`${sql.ref(column)} > ${after}`
    : sql<boolean>`${sql.ref(column)} > ${after} and ${sql.ref(column)} <= ${through}`;
}

/** Every deal's line (`id`, `line`) gathered from its touchpoints, the lookback window applied. */
function touchpointLines(db: Db, windowMs: number | null) {
  const joined = isPostgres(db) ? sql.raw('string_agg') : sql.raw('group_concat');
  return db.selectFrom('deals as d').select((eb) => {
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
  });
}

/** The lines of `lines` as one page row: its last id (the page's own order and collation), its count and its lines joined. */
function linesPage<Id extends 'id' | 'deal_id'>(db: Db, lines: { as: (alias: 'page') => unknown }, id: Id) {
  const joined = isPostgres(db) ? sql.raw('string_agg') : sql.raw('group_concat');
  return db
    .selectFrom(lines.as('page') as never)
    .select([
      sql<string | null>`max(${sql.ref(`page.${id}`)})`.as('last'),
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
