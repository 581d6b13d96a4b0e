import { listRevenueInEdges, sumRevenueByDay } from '../../storage/analytics-monthly.js';
import type { Db } from '../../storage/db.js';
import { DAYS, dayStart, monthLabel, monthOf, splitPeriod, type Period } from './buckets.js';

export interface MonthRevenue {
  month: string;
  deals: number;
  revenue: bigint;
  attributed_revenue: bigint;
}

/**
 * Won-deal revenue and attributed revenue per UTC month of the period (minor units), every month
 * from the first to the last with a deal, empty months included so a chart shows the gaps.
 * Whole days come from the daily rollup, the ragged edges from the results themselves.
 */
export async function sumRevenueByMonth(db: Db, currency: string, period: Period): Promise<MonthRevenue[]> {
  const days = splitPeriod(period, DAYS);
  const totals = new Map<number, Omit<MonthRevenue, 'month'>>();
  const add = (month: number, deals: number, revenue: bigint, attributed: bigint) => {
    const row = totals.get(month) ?? { deals: 0, revenue: 0n, attributed_revenue: 0n };
    totals.set(month, { deals: row.deals + deals, revenue: row.revenue + revenue, attributed_revenue: row.attributed_revenue + attributed });
  };
  for (const row of days.buckets ? await sumRevenueByDay(db, currency, days.buckets) : []) {
    if (row.deals > 0) add(monthOf(dayStart(row.day)), row.deals, row.revenue, row.attributed_revenue);
  }
  for (const deal of await listRevenueInEdges(db, currency, days.edges)) {
    add(monthOf(deal.closedAt), 1, BigInt(deal.amount), deal.attributed ? BigInt(deal.amount) : 0n);
  }
  if (totals.size === 0) return [];
  const months = [...totals.keys()];
  const series: MonthRevenue[] = [];
  for (let month = Math.min(...months); month <= Math.max(...months); month++) {
    series.push({ month: monthLabel(month), ...(totals.get(month) ?? { deals: 0, revenue: 0n, attributed_revenue: 0n }) });
  }
  return series;
}
