import { TOUCHPOINT_TYPES } from '../../domain/attribution/index.js';
import {
  countTouchpointDays,
  countTouchpointEdges,
  listRecentDeals,
  planForShortReads,
  sumDealDays,
  sumDealEdges,
  rankPartners,
  type ModelTotals,
  type PartnerPeriodParts,
} from '../../storage/analytics.js';
import { findPartnerNames } from '../../storage/attribution-inputs.js';
import { finishPendingWork } from '../attribution/pending-work.js';
import type { ServiceContext } from '../context.js';
import { DAYS, MONTHS, YEARS, splitPeriod, type Period, type PeriodSplit } from './buckets.js';
import { readPeriodRevenue, recentDealsFrom, revenueByMonth } from './monthly.js';

export interface AnalyticsQuery {
  period: Period;
  currency: string;
  partnersLimit: number;
}

/** How many of the period's most recently closed deals the overview lists. */
export const RECENT_DEALS = 10;

/**
 * The period's figures in one currency (minor units): every won deal closed in the period
 * counts with its own model's stored result, which writes keep current. Whole days and months
 * come from the rollups, the ragged edges of the period from the rows themselves.
 */
export async function getAnalytics(ctx: ServiceContext, query: AnalyticsQuery) {
  await finishPendingWork(ctx);
  const { period, currency } = query;
  const days = splitPeriod(period, DAYS);
  const partnerParts = partnerPartsOf(period);
  // One snapshot for every figure, so they agree with each other under concurrent writes.
  return ctx.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      await planForShortReads(trx);
      const models = addUp<ModelTotals>('model', [
        ...(days.buckets ? await sumDealDays(trx, currency, days.buckets) : []),
        ...(await sumDealEdges(trx, currency, days.edges)),
      ]).filter((row) => row.deals > 0);
      const { ranking, activePartners } = await rankPartners(trx, currency, partnerParts, query.partnersLimit);
      const touchpoints = addUp('touchpoint_type', [
        ...(days.buckets ? await countTouchpointDays(trx, days.buckets) : []),
        ...(await countTouchpointEdges(trx, days.edges)),
      ]).filter((row) => row.count > 0);
      const names = await findPartnerNames(trx, ranking.map((row) => row.partner_id));
      const revenue = await readPeriodRevenue(trx, currency, period);
      const recentFrom = recentDealsFrom(period, revenue.days, RECENT_DEALS);
      const recentDeals = await listRecentDeals(trx, currency, recentFrom, period.to, RECENT_DEALS);
      const monthly = revenueByMonth(revenue);
      return {
        overview: overviewOf(models, activePartners, touchpoints),
        monthly,
        partners: ranking.map((row) => ({
          partner_id: row.partner_id,
          name: names.get(row.partner_id) ?? row.partner_id,
          deals: row.deals,
          attributed_revenue_minor: row.payout,
          avg_basis_points: Math.round(row.basis_points / row.deals),
        })),
        models: models
          .map(({ model, deals, revenue }) => ({ model, deals, revenue_minor: revenue }))
          .sort((a, b) => compareBigDescending(a.revenue_minor, b.revenue_minor) || b.deals - a.deals || (a.model < b.model ? -1 : 1)),
        touchpoints: touchpoints.sort(byCountThenType),
        recentDeals,
      };
    });
}

/**
 * Where the period's partner shares are read: whole years, then the whole months of the partial
 * years around them, then the whole days of the partial months, then what is left below a day.
 *
 * @example
 * // 2024-01-15T12:00Z … 2024-03-31T23:59:59.999Z: no whole year, months February–March,
 * // days 16–31 January, the edge 2024-01-15T12:00Z … 2024-01-15T23:59:59.999Z
 */
export function partnerPartsOf(period: Period): PartnerPeriodParts {
  const years = splitPeriod(period, YEARS);
  const months = years.edges.map((edge) => splitPeriod(edge, MONTHS));
  const days = months.flatMap((split) => split.edges).map((edge) => splitPeriod(edge, DAYS));
  const bucketsOf = (splits: PeriodSplit[]) => splits.flatMap((split) => (split.buckets ? [split.buckets] : []));
  return { years: years.buckets, months: bucketsOf(months), days: bucketsOf(days), edges: days.flatMap((split) => split.edges) };
}

function overviewOf(models: readonly ModelTotals[], activePartners: number, touchpoints: readonly { count: number }[]) {
  const totalDeals = sum(models.map((row) => row.deals));
  const totalRevenue = sumExact(models.map((row) => row.revenue));
  const attributedRevenue = sumExact(models.map((row) => row.attributed_revenue));
  return {
    total_deals: totalDeals,
    total_revenue_minor: totalRevenue,
    // Half up, like Math.round, in integers.
    avg_deal_size_minor: totalDeals === 0 ? 0n : (2n * totalRevenue + BigInt(totalDeals)) / (2n * BigInt(totalDeals)),
    attributed_revenue_minor: attributedRevenue,
    unattributed_revenue_minor: totalRevenue - attributedRevenue,
    active_partners: activePartners,
    touchpoints: sum(touchpoints.map((row) => row.count)),
  };
}

/**
 * Rows with the same `key` merged by adding up every numeric field (numbers and bigints alike).
 * @example addUp('model', [{ model: 'linear', deals: 1 }, { model: 'linear', deals: 2 }]) // [{ model: 'linear', deals: 3 }]
 */
export function addUp<T extends object>(key: keyof T, rows: readonly T[]): T[] {
  const merged = new Map<unknown, Record<string, unknown>>();
  for (const row of rows) {
    const existing = merged.get(row[key]);
    if (!existing) {
      merged.set(row[key], { ...(row as Record<string, unknown>) });
      continue;
    }
    for (const [field, value] of Object.entries(row)) {
      if (field === key) continue;
      if (typeof value === 'number') existing[field] = (existing[field] as number) + value;
      else if (typeof value === 'bigint') existing[field] = (existing[field] as bigint) + value;
    }
  }
  return [...merged.values()] as T[];
}

/** Touchpoint counts, most frequent first, ties in the contract's type order. */
export function byCountThenType(a: { touchpoint_type: string; count: number }, b: { touchpoint_type: string; count: number }): number {
  const order = (type: string) => TOUCHPOINT_TYPES.indexOf(type as (typeof TOUCHPOINT_TYPES)[number]);
  return b.count - a.count || order(a.touchpoint_type) - order(b.touchpoint_type);
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const sumExact = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);
const compareBigDescending = (a: bigint, b: bigint) => (a > b ? -1 : a < b ? 1 : 0);

