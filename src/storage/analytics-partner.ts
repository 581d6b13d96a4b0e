import type { BucketRange, Edges } from './analytics.js';
import { sql } from 'kysely';
import type { Db } from './db.js';
import { exactSum, readExactSum } from './exact-sum.js';

/** One partner's filter: its shares of won deals in `currency` closed within [from, to]. */
export interface PartnerShareFilter {
  partnerId: string;
  currency: string;
  from?: number | undefined;
  to?: number | undefined;
}

function partnerShares(db: Db, filter: PartnerShareFilter) {
  let query = db
    .selectFrom('attribution_shares')
    .where('attribution_shares.partner_id', '=', filter.partnerId)
    .where('attribution_shares.currency', '=', filter.currency);
  if (filter.from !== undefined) query = query.where('attribution_shares.closed_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('attribution_shares.closed_at', '<=', filter.to);
  return query;
}

/** Deals, payout and basis points summed over the partner's shares. */
export async function sumPartnerShares(db: Db, filter: PartnerShareFilter) {
  const row = await partnerShares(db, filter)
    .select((eb) => [
      eb.fn.countAll<number>().as('deals'),
      exactSum('attribution_shares.payout').as('payout'),
      eb.fn.sum<number>('basis_points').as('basis_points'),
    ])
    .executeTakeFirstOrThrow();
  return { deals: Number(row.deals), payout: readExactSum(row.payout), basis_points: Number(row.basis_points ?? 0) };
}

/** The partner's deals, most recently closed first, with its share of each. */
export async function listPartnerDeals(db: Db, filter: PartnerShareFilter, limit: number) {
  return partnerShares(db, filter)
    .innerJoin('attribution_results', 'attribution_results.deal_id', 'attribution_shares.deal_id')
    .select([
      'attribution_shares.deal_id',
      'attribution_results.amount_minor',
      'attribution_shares.currency',
      'attribution_shares.closed_at',
      'attribution_results.model',
      'attribution_shares.basis_points',
      'attribution_shares.payout as payout_minor',
    ])
    .orderBy('attribution_shares.closed_at', 'desc')
    .orderBy('attribution_shares.deal_id')
    .limit(limit)
    .execute();
}

/** The partner's deals and payout per month from the monthly rollup, over whole months. */
export async function sumPartnerByMonth(db: Db, partnerId: string, currency: string, months: BucketRange) {
  let query = db
    .selectFrom('analytics_partner_months')
    .where('currency', '=', currency)
    .where('partner_id', '=', partnerId);
  if (months.first !== undefined) query = query.where('month', '>=', months.first);
  if (months.last !== undefined) query = query.where('month', '<=', months.last);
  // A month's rollup can outgrow a double too; read as text, exactly.
  const rows = await query.select(['month', 'deals', sql<string>`cast(payout as text)`.as('payout')]).execute();
  return rows.map((row) => ({ month: Number(row.month), deals: Number(row.deals), payout: readExactSum(row.payout) }));
}

/** The partner's shares (closing time and payout) inside the edges, to bucket by month. */
export async function listPartnerSharesWithin(db: Db, partnerId: string, currency: string, edges: Edges) {
  const shares: { closed_at: number; payout: number }[] = [];
  for (const edge of edges) {
    shares.push(...(await partnerShares(db, { partnerId, currency, ...edge }).select(['closed_at', 'payout']).execute()));
  }
  return shares;
}

/** The partner's touchpoints per type, by their timestamp within [from, to]. */
export async function countPartnerTouchpoints(db: Db, partnerId: string, from?: number, to?: number) {
  let query = db.selectFrom('events').where('partner_id', '=', partnerId);
  if (from !== undefined) query = query.where('timestamp', '>=', from);
  if (to !== undefined) query = query.where('timestamp', '<=', to);
  const rows = await query
    .select((eb) => ['touchpoint_type', eb.fn.countAll<number>().as('count')])
    .groupBy('touchpoint_type')
    .execute();
  return rows.map((row) => ({ touchpoint_type: row.touchpoint_type, count: Number(row.count) }));
}

/** The partner's attributed revenue per currency over all time, minor units. */
export async function sumPartnerPayoutByCurrency(db: Db, partnerId: string) {
  const rows = await db
    .selectFrom('attribution_shares')
    .where('partner_id', '=', partnerId)
    .select(['currency', exactSum('payout').as('payout')])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  return rows.map((row) => ({ currency: row.currency, payout_minor: readExactSum(row.payout) }));
}
