import { listRevenueInEdges, sumRevenueByDay } from '../../storage/analytics-monthly.js';
import type { Db } from '../../storage/db.js';
import { DAYS, dayStart, monthLabel, monthOf, splitPeriod, type Period } from './buckets.js';

export interface MonthRevenue {
  month: string;
  deals: number;
  revenue_minor: bigint;
  attributed_revenue_minor: bigint;
}

/** Won deals of the period by day: whole days from the daily rollup, the ragged edges from the results themselves. */
export interface PeriodRevenue {
  days: { day: number; deals: number; revenue: bigint; attributed_revenue: bigint }[];
  edgeDeals: { closedAt: number; amountMinor: number; attributed: boolean }[];
}

export async function readPeriodRevenue(db: Db, currency: string, period: Period): Promise<PeriodRevenue> {
  const { buckets, edges } = splitPeriod(period, DAYS);
  return {
    days: buckets ? await sumRevenueByDay(db, currency, buckets) : [],
    edgeDeals: await listRevenueInEdges(db, currency, edges),
  };
}

/**
 * Won-deal revenue and attributed revenue per UTC month of the period (minor units), every month
 * from the first to the last with a deal, empty months included so a chart shows the gaps.
 */
export function revenueByMonth({ days, edgeDeals }: PeriodRevenue): MonthRevenue[] {
  const totals = new Map<number, Omit<MonthRevenue, 'month'>>();
  const add = (month: number, deals: number, revenue: bigint, attributed: bigint) => {
    const row = totals.get(month) ?? { deals: 0, revenue_minor: 0n, attributed_revenue_minor: 0n };
    totals.set(month, {
      deals: row.deals + deals,
      revenue_minor: row.revenue_minor + revenue,
      attributed_revenue_minor: row.attributed_revenue_minor + attributed,
    });
  };
  for (const row of days) {
    if (row.deals > 0) add(monthOf(dayStart(row.day)), row.deals, row.revenue, row.attributed_revenue);
  }
  for (const deal of edgeDeals) {
    add(monthOf(deal.closedAt), 1, BigInt(deal.amountMinor), deal.attributed ? BigInt(deal.amountMinor) : 0n);
  }
  if (totals.size === 0) return [];
  const months = [...totals.keys()];
  const series: MonthRevenue[] = [];
  for (let month = Math.min(...months); month <= Math.max(...months); month++) {
    series.push({ month: monthLabel(month), ...(totals.get(month) ?? { deals: 0, revenue_minor: 0n, attributed_revenue_minor: 0n }) });
  }
  return series;
}

/**
 * The earliest closing time the period's `count` most recently closed deals can have: the start
 * of the latest whole day from which the daily rollup counts `count` deals to the period's end
 * (the edge after it only adds later deals), or the period's own start when there are fewer.
 * It keeps the recent-deals read to a day or two of rows whatever plan the database picks: on
 * a PostgreSQL table never analysed, a bounded period was read whole (a bitmap scan of 120,000
 * results, then a sort) to keep 10.
 *
 * @example recentDealsFrom({ from: undefined }, [{ day: 19_800, deals: 12 }], 10) // dayStart(19_800)
 */
export function recentDealsFrom(period: Period, days: readonly { day: number; deals: number }[], count: number): number | undefined {
  let deals = 0;
  for (const row of [...days].sort((a, b) => b.day - a.day)) {
    deals += row.deals;
    if (deals >= count) return dayStart(row.day);
  }
  return period.from;
}
