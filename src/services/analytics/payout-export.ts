import { minorUnitsToDecimal } from '../../domain/money.js';
import { byPayoutThenPartnerRow } from '../../domain/ranking.js';
import { listPayoutDealPage, listPayoutRows, type DealCursor, type PayoutFilter } from '../../storage/analytics-payouts.js';
import { finishPendingWork } from '../attribution/pending-work.js';
import type { ServiceContext } from '../context.js';

export const PAYOUT_COLUMNS = [
  'deal_id',
  'closed_date',
  'currency',
  'deal_amount',
  'model',
  'partner_id',
  'partner_name',
  'percentage',
  'payout',
] as const;

// Bounds memory: the export streams page by page, whatever the period's size.
const DEALS_PER_PAGE = 500;

/**
 * One row per (partner, deal) for every won deal closed in the period, deals by closing time,
 * each deal's partners by payout descending then id: the attribution's own order. Money is in
 * major units with the currency's decimals, so a deal's payouts add up to its amount exactly.
 * Each page is one read, so a deal's rows always agree with each other.
 */
export async function* payoutRows(ctx: ServiceContext, filter: PayoutFilter): AsyncGenerator<string[]> {
  await finishPendingWork(ctx);
  let cursor: DealCursor | undefined;
  for (;;) {
    const page = await listPayoutDealPage(ctx.db, filter, cursor, DEALS_PER_PAGE);
    if (page.length === 0) return;
    const rows = await listPayoutRows(ctx.db, page.map((deal) => deal.dealId), filter.partnerId);
    const order = new Map(page.map((deal, index) => [deal.dealId, index]));
    rows.sort((a, b) => order.get(a.deal_id)! - order.get(b.deal_id)! || byPayoutThenPartnerRow(a, b));
    for (const row of rows) {
      yield [
        row.deal_id,
        new Date(row.closed_at).toISOString(),
        row.currency,
        minorUnitsToDecimal(row.amount_minor, row.currency),
        row.model,
        row.partner_id,
        row.partner_name,
        minorUnitsToDecimal(row.basis_points, 2),
        minorUnitsToDecimal(row.payout, row.currency),
      ];
    }
    cursor = page[page.length - 1];
  }
}
