import { notFound } from '../../errors.js';
import { findPartner } from '../../storage/partners.js';
import {
  listStatementAdjustments,
  listStatementLines,
  listUnassignedAdjustments,
  type StatementAdjustment,
  type StatementLine,
} from '../../storage/payout-statements.js';
import { finishPendingWork } from '../attribution/pending-work.js';
import type { ServiceContext } from '../context.js';
import { getPayoutPeriod, type PayoutPeriod } from './periods.js';

export type { StatementAdjustment, StatementLine };

/** One partner's figures in one currency for a period (minor units). */
export interface StatementSummary {
  partner_id: string;
  partner_name: string;
  currency: string;
  deals_total_minor: number;
  adjustments_total_minor: number;
  total_minor: number;
}

/**
 * Per partner and currency: the period's lines and adjustments, summed. A locked period reads
 * only what its lock stored; an open one is live, after every pending change is finished.
 */
export async function getPeriodStatements(ctx: ServiceContext, periodId: string, partnerId?: string) {
  const period = await readyPeriod(ctx, periodId);
  const [lines, adjustments] = await Promise.all([
    listStatementLines(ctx.db, period, partnerId),
    listStatementAdjustments(ctx.db, period, partnerId),
  ]);
  const summaries = new Map<string, StatementSummary>();
  const entry = (partnerId: string, partnerName: string, currency: string) => {
    const key = `${partnerId}\u0000${currency}`;
    let summary = summaries.get(key);
    if (!summary) {
      summary = { partner_id: partnerId, partner_name: partnerName, currency, deals_total_minor: 0, adjustments_total_minor: 0, total_minor: 0 };
      summaries.set(key, summary);
    }
    return summary;
  };
  for (const line of lines) entry(line.partner_id, line.partner_name, line.currency).deals_total_minor += line.payout_minor;
  for (const adjustment of adjustments) {
    entry(adjustment.partner_id, adjustment.partner_name, adjustment.currency).adjustments_total_minor += adjustment.amount_minor;
  }
  const data = [...summaries.values()]
    .map((summary) => ({ ...summary, total_minor: summary.deals_total_minor + summary.adjustments_total_minor }))
    .sort((a, b) => compare(a.partner_id, b.partner_id) || compare(a.currency, b.currency));
  return { period, data };
}

/** One partner's statement for a period: its lines, its adjustments and its totals per currency (minor units). */
export async function getPartnerStatement(ctx: ServiceContext, periodId: string, partnerId: string) {
  const period = await readyPeriod(ctx, periodId);
  const [lines, adjustments] = await Promise.all([
    listStatementLines(ctx.db, period, partnerId),
    listStatementAdjustments(ctx.db, period, partnerId),
  ]);
  // A locked statement names the partner as its lock did, so it reads the same after a rename.
  let partnerName = lines[0]?.partner_name ?? adjustments[0]?.partner_name;
  if (partnerName === undefined) {
    const partner = await findPartner(ctx.db, partnerId);
    if (!partner) throw notFound('Partner', partnerId);
    partnerName = partner.name;
  }
  const totals = new Map<string, number>();
  for (const line of lines) totals.set(line.currency, (totals.get(line.currency) ?? 0) + line.payout_minor);
  for (const adjustment of adjustments) totals.set(adjustment.currency, (totals.get(adjustment.currency) ?? 0) + adjustment.amount_minor);
  return {
    period,
    partner: { id: partnerId, name: partnerName },
    lines,
    adjustments,
    totals: [...totals.entries()].sort(([a], [b]) => compare(a, b)).map(([currency, total]) => ({ currency, total_minor: total })),
  };
}

export async function listUnassignedAdjustmentsPage(ctx: ServiceContext, query: { partnerId?: string | undefined; limit: number; offset: number }) {
  await finishPendingWork(ctx);
  return listUnassignedAdjustments(ctx.db, query);
}

async function readyPeriod(ctx: ServiceContext, periodId: string): Promise<PayoutPeriod> {
  const period = await getPayoutPeriod(ctx.db, periodId);
  if (period.status !== 'open') return period;
  await finishPendingWork(ctx);
  // The period may have been locked while the work was finished: read it again.
  return getPayoutPeriod(ctx.db, periodId);
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
