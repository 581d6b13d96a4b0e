import { sql, type SelectQueryBuilder } from 'kysely';
import { isPostgres, type Db } from './db.js';
import { exactSum, readExactSum } from './exact-sum.js';
import type { Database } from './schema.js';

/** Inclusive bucket bounds (epoch days or month numbers); an absent bound is open. */
export interface BucketRange {
  first?: number | undefined;
  last?: number | undefined;
}

/** Inclusive epoch-millisecond ranges, read from the rows themselves. */
export type Edges = readonly { from: number; to: number }[];

/** Money in minor units, summed exactly: many deals outgrow a double. */
export interface ModelTotals {
  model: string;
  deals: number;
  revenue: bigint;
  attributed_revenue: bigint;
}

export interface PartnerTotals {
  partner_id: string;
  deals: number;
  payout: bigint;
  basis_points: number;
}

/** The first partners of a period in the contract's order, and how many had a deal in it. */
export interface PartnerRanking {
  ranking: PartnerTotals[];
  activePartners: number;
}

/**
 * PostgreSQL, inside the transaction that reads one analytics answer: no parallel workers and no
 * JIT compilation, and no sort where another plan exists, until it ends. Each statement reads a
 * few thousand rollup rows in a few milliseconds; at 200,000 deals the ragged period's partner
 * statement crossed the planner's threshold for a parallel plan, whose workers took longer to
 * start (about 60 ms on a busy 2-core machine) than the whole statement takes alone, and a longer
 * history would cross `jit_above_cost` the same way. On a table never analysed the planner
 * expects a few rows and groups them by sorting: 40,000 partner rows sorted where a hash
 * aggregate keeps 2,000 groups (the bench's server runs without autovacuum).
 */
export async function planForShortReads(db: Db): Promise<void> {
  if (isPostgres(db)) {
    await sql`select set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true), set_config('enable_sort', 'off', true)`.execute(db);
  }
}

/** Won deals per model from the daily rollup, over whole days. */
export async function sumDealDays(db: Db, currency: string, days: BucketRange): Promise<ModelTotals[]> {
  let query = db.selectFrom('analytics_deal_days').where('currency', '=', currency);
  if (days.first !== undefined) query = query.where('day', '>=', days.first);
  if (days.last !== undefined) query = query.where('day', '<=', days.last);
  const rows = await query
    .select((eb) => [
      'model',
      eb.fn.sum<number>('deals').as('deals'),
      exactSum('revenue').as('revenue'),
      exactSum('attributed_revenue').as('attributed_revenue'),
    ])
    .groupBy('model')
    .execute();
  return rows.map((row) => ({
    model: row.model,
    deals: Number(row.deals),
    revenue: readExactSum(row.revenue),
    attributed_revenue: readExactSum(row.attributed_revenue),
  }));
}

/** Won deals per model from the stored results themselves, over ragged edges (one query each, so each uses the index). */
export async function sumDealEdges(db: Db, currency: string, edges: Edges): Promise<ModelTotals[]> {
  const totals: ModelTotals[] = [];
  for (const edge of edges) {
    const rows = await db
      .selectFrom('attribution_results')
      .where('currency', '=', currency)
      .where('closed_at', '>=', edge.from)
      .where('closed_at', '<=', edge.to)
      .select((eb) => [
        'model',
        eb.fn.countAll<number>().as('deals'),
        exactSum('amount_minor').as('revenue'),
        exactSum(eb.case().when('touchpoints', '>', 0).then(eb.ref('amount_minor')).else(0).end()).as('attributed_revenue'),
      ])
      .groupBy('model')
      .execute();
    for (const row of rows) {
      totals.push({
        model: row.model ?? '',
        deals: Number(row.deals),
        revenue: readExactSum(row.revenue),
        attributed_revenue: readExactSum(row.attributed_revenue),
      });
    }
  }
  return totals;
}

/**
 * Where a period's partner shares are read from: its whole years (yearly rollup), the whole
 * months around them (monthly rollup), the whole days of the partial months at its ends (daily
 * rollup) and what is left of those below a day (the share rows themselves).
 */
export interface PartnerPeriodParts {
  years: BucketRange | null;
  months: readonly BucketRange[];
  days: readonly BucketRange[];
  edges: Edges;
}

type PartnerRollup = 'analytics_partner_years' | 'analytics_partner_months' | 'analytics_partner_days';

/**
 * The period's partner ranking in one statement: the rows of every part (the coarsest rollup that
 * covers it whole, and for what is left below a day the shares themselves, one deal each) added
 * up per partner. One round trip and one row per partner, and the rows read stay about one per
 * partner and bucket: all time is one row per partner and year; the partial months at a period's
 * ends are read by the day, not by the share (at 200,000 deals `2024-02-15..2024-11-20` read
 * 29,000 shares, with a heap visit for nearly each on PostgreSQL pages rewritten since the last
 * vacuum).
 *
 * PostgreSQL adds up the union's rows with one aggregate: a sum per part and then per partner
 * again cost it twice the backend CPU (four hash aggregates of 2,000 groups instead of one); on a
 * table never analysed the one aggregate would sort every row, which `planForShortReads` rules
 * out. SQLite keeps a sum per part, which it runs a few per cent faster.
 */
export async function rankPartners(db: Db, currency: string, parts: PartnerPeriodParts, limit: number): Promise<PartnerRanking> {
  const rollups: [PartnerRollup, BucketRange][] = [
    ...(parts.years ? [['analytics_partner_years', parts.years] as [PartnerRollup, BucketRange]] : []),
    ...parts.months.map((range): [PartnerRollup, BucketRange] => ['analytics_partner_months', range]),
    ...parts.days.map((range): [PartnerRollup, BucketRange] => ['analytics_partner_days', range]),
  ];
  if (rollups.length === 1 && parts.edges.length === 0) {
    const [table, range] = rollups[0]!;
    // One shape for the rollup's rows and the union's: the columns a sum per partner reads.
    return rankTotalsPerPartner(db, rollupRows(db, table, currency, range) as unknown as PartnerFigureRows, limit);
  }
  const sumEachPart = !isPostgres(db);
  // A rollup row counts its `deals`; a share row is one deal.
  const partFigures = <Q extends SelectQueryBuilder<Database, 'analytics_partner_days' | 'attribution_shares', object>>(query: Q, deals: 'deals column' | 'one per row') => {
    const perRow = deals === 'one per row' ? sql<number>`1` : sql<number>`deals`;
    if (!sumEachPart) return query.select(['partner_id', perRow.as('deals'), 'payout', 'basis_points']);
    return query
      .select((eb) => ['partner_id', sql<number>`sum(${perRow})`.as('deals'), eb.fn.sum<number>('payout').as('payout'), eb.fn.sum<number>('basis_points').as('basis_points')])
      .groupBy('partner_id');
  };
  const statements = [
    ...rollups.map(([table, range]) => partFigures(rollupRows(db, table, currency, range), 'deals column')),
    ...parts.edges.map((edge) =>
      partFigures(
        db.selectFrom('attribution_shares').where('currency', '=', currency).where('closed_at', '>=', edge.from).where('closed_at', '<=', edge.to),
        'one per row',
      ),
    ),
  ];
  if (statements.length === 0) return { ranking: [], activePartners: 0 };
  const [first, ...rest] = statements as [(typeof statements)[number], ...typeof statements];
  return rankTotalsPerPartner(db, db.selectFrom(rest.reduce((union, part) => union.unionAll(part), first).as('parts')), limit);
}

/** Rows of partner figures, from one rollup or from the union of a period's parts. */
type PartnerFigureRows = SelectQueryBuilder<Database & { parts: PartnerFigures }, 'parts', object>;
interface PartnerFigures {
  partner_id: string;
  deals: number;
  payout: number;
  basis_points: number;
}

/**
 * The figures added up per partner, money exactly, the partners with a deal ranked by the
 * contract's order (`byPayoutThenPartner`: payout descending, then id by code unit, which for ids
 * of ASCII letters, digits and `_-.:` is the byte order of PostgreSQL's "C" collation and SQLite's
 * default). Only the first `limit` rows travel, with the count of them all beside each: the
 * client no longer parses and sorts a row per partner (2,000) to keep 20.
 */
async function rankTotalsPerPartner(db: Db, rows: PartnerFigureRows, limit: number): Promise<PartnerRanking> {
  const byId = isPostgres(db) ? sql`partner_id collate "C"` : sql`partner_id`;
  const totals = await rows
    .select((eb) => [
      'partner_id',
      eb.fn.sum<number>('deals').as('deals'),
      exactSum('payout').as('payout'),
      eb.fn.sum<number>('basis_points').as('basis_points'),
      sql<number>`count(*) over ()`.as('active_partners'),
    ])
    .groupBy('partner_id')
    .having((eb) => eb.fn.sum('deals'), '>', 0)
    .orderBy(sql`sum(payout)`, 'desc')
    .orderBy(byId)
    .limit(limit)
    .execute();
  return { ranking: totals.map(toPartnerTotals), activePartners: Number(totals[0]?.active_partners ?? 0) };
}

/** One partner rollup's rows of the currency within the bucket range (years, months or days, per table). */
function rollupRows(db: Db, table: PartnerRollup, currency: string, range: BucketRange) {
  const bucket = table === 'analytics_partner_years' ? 'year' : table === 'analytics_partner_months' ? 'month' : 'day';
  // One shape for the three tables (the same columns under another bucket name).
  let query = db.selectFrom(table as 'analytics_partner_days').where('currency', '=', currency);
  if (range.first !== undefined) query = query.where(sql.ref(bucket), '>=', range.first);
  if (range.last !== undefined) query = query.where(sql.ref(bucket), '<=', range.last);
  return query;
}

/** Touchpoints per type from the daily rollup, over whole days. */
export async function countTouchpointDays(db: Db, days: BucketRange) {
  let query = db.selectFrom('analytics_touchpoint_days');
  if (days.first !== undefined) query = query.where('day', '>=', days.first);
  if (days.last !== undefined) query = query.where('day', '<=', days.last);
  const rows = await query
    .select((eb) => ['touchpoint_type', eb.fn.sum<number>('touchpoints').as('count')])
    .groupBy('touchpoint_type')
    .execute();
  return rows.map((row) => ({ touchpoint_type: row.touchpoint_type, count: Number(row.count) }));
}

/** Touchpoints per type from the events, over ragged edges. */
export async function countTouchpointEdges(db: Db, edges: Edges) {
  const counts: { touchpoint_type: string; count: number }[] = [];
  for (const edge of edges) {
    const rows = await db
      .selectFrom('events')
      .where('timestamp', '>=', edge.from)
      .where('timestamp', '<=', edge.to)
      .select((eb) => ['touchpoint_type', eb.fn.countAll<number>().as('count')])
      .groupBy('touchpoint_type')
      .execute();
    counts.push(...rows.map((row) => ({ touchpoint_type: row.touchpoint_type, count: Number(row.count) })));
  }
  return counts;
}

/** The most recently closed won deals with a stored result in the period. */
export async function listRecentDeals(db: Db, currency: string, from: number | undefined, to: number | undefined, limit: number) {
  let query = db.selectFrom('attribution_results').where('currency', '=', currency);
  if (from !== undefined) query = query.where('closed_at', '>=', from);
  if (to !== undefined) query = query.where('closed_at', '<=', to);
  const rows = await query
    .select(['deal_id', 'amount_minor', 'currency', 'closed_at', 'model', 'touchpoints'])
    .orderBy('closed_at', 'desc')
    .orderBy('deal_id')
    .limit(limit)
    .execute();
  return rows;
}

function toPartnerTotals(row: { partner_id: string; deals: number; payout: string | null; basis_points: number }): PartnerTotals {
  return { partner_id: row.partner_id, deals: Number(row.deals), payout: readExactSum(row.payout), basis_points: Number(row.basis_points) };
}
