import { notFound } from '../../errors.js';
import {
  countPartnerTouchpoints,
  listPartnerDeals,
  listPartnerSharesWithin,
  sumPartnerByMonth,
  sumPartnerPayoutByCurrency,
  sumPartnerShares,
} from '../../storage/analytics-partner.js';
import { findPartner } from '../../storage/partners.js';
import { MONTHS, monthLabel, monthOf, splitPeriod, type Period } from './buckets.js';
import { byCountThenType } from './overview.js';
import { finishPendingWork } from '../attribution/pending-work.js';
import type { ServiceContext } from '../context.js';

export interface PartnerAnalyticsQuery {
  period: Period;
  currency: string;
  dealsLimit: number;
}

/**
 * One partner's figures in one currency (minor units) over the period: its share of every won
 * deal closed in it (each with the deal's own model), month by month, and its touchpoints.
 */
export async function getPartnerAnalytics(ctx: ServiceContext, partnerId: string, query: PartnerAnalyticsQuery) {
  const partner = await findPartner(ctx.db, partnerId);
  if (!partner) throw notFound('Partner', partnerId);
  await finishPendingWork(ctx);
  const { period, currency } = query;
  const filter = { partnerId, currency, from: period.from, to: period.to };
  return ctx.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const totals = await sumPartnerShares(trx, filter);
      const months = splitPeriod(period, MONTHS);
      const monthly = new Map<number, { deals: number; payout: bigint }>();
      const add = (month: number, deals: number, payout: bigint) => {
        const row = monthly.get(month) ?? { deals: 0, payout: 0n };
        monthly.set(month, { deals: row.deals + deals, payout: row.payout + payout });
      };
      for (const row of months.buckets ? await sumPartnerByMonth(trx, partnerId, currency, months.buckets) : []) {
        add(row.month, row.deals, row.payout);
      }
      for (const share of await listPartnerSharesWithin(trx, partnerId, currency, months.edges)) {
        add(monthOf(share.closed_at), 1, BigInt(share.payout));
      }
      const touchpoints = await countPartnerTouchpoints(trx, partnerId, period.from, period.to);
      return {
        partner,
        totals: {
          deals: totals.deals,
          attributed_revenue_minor: totals.payout,
          avg_basis_points: totals.deals === 0 ? 0 : Math.round(totals.basis_points / totals.deals),
          touchpoints: touchpoints.reduce((total, row) => total + row.count, 0),
        },
        monthly: [...monthly]
          .filter(([, row]) => row.deals > 0)
          .sort(([a], [b]) => a - b)
          .map(([month, row]) => ({ month: monthLabel(month), deals: row.deals, attributed_revenue_minor: row.payout })),
        touchpoints: touchpoints.sort(byCountThenType),
        deals: await listPartnerDeals(trx, filter, query.dealsLimit),
      };
    });
}

/** The partner's attributed revenue per currency over all time (minor units), for its stats. */
export async function getPartnerAttributedRevenue(ctx: ServiceContext, partnerId: string) {
  await finishPendingWork(ctx);
  return sumPartnerPayoutByCurrency(ctx.db, partnerId);
}
