import type { BucketRange, Edges } from './analytics.js';
import type { Db } from './db.js';
import { exactSum, readExactSum } from './exact-sum.js';

/** Won deals per day from the daily rollup, over whole days, all models together. */
export async function sumRevenueByDay(db: Db, currency: string, days: BucketRange) {
  let query = db.selectFrom('analytics_deal_days').where('currency', '=', currency);
  if (days.first !== undefined) query = query.where('day', '>=', days.first);
  if (days.last !== undefined) query = query.where('day', '<=', days.last);
  const rows = await query
    .select((eb) => [
      'day',
      eb.fn.sum<number>('deals').as('deals'),
      exactSum('revenue').as('revenue'),
      exactSum('attributed_revenue').as('attributed_revenue'),
    ])
    .groupBy('day')
    .execute();
  return rows.map((row) => ({
    day: Number(row.day),
    deals: Number(row.deals),
    revenue: readExactSum(row.revenue),
    attributed_revenue: readExactSum(row.attributed_revenue),
  }));
}

/** The won deals closed in the ragged edges (less than a day each), one row per deal. */
export async function listRevenueInEdges(db: Db, currency: string, edges: Edges) {
  const rows = [];
  for (const edge of edges) {
    rows.push(
      ...(await db
        .selectFrom('attribution_results')
        .where('currency', '=', currency)
        .where('closed_at', '>=', edge.from)
        .where('closed_at', '<=', edge.to)
        .select(['closed_at', 'amount_minor', 'touchpoints'])
        .execute()),
    );
  }
  return rows.map((row) => ({ closedAt: Number(row.closed_at), amount: Number(row.amount_minor), attributed: Number(row.touchpoints) > 0 }));
}
