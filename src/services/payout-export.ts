import { currencyDigits } from '../domain/money.js';
import { listPayoutDealPage, listPayoutRows, type DealCursor, type PayoutFilter } from '../storage/analytics-payouts.js';
import { syncOutdatedResults } from './attribution-sync.js';
import type { ServiceContext } from './context.js';

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
  await syncOutdatedResults(ctx);
  let cursor: DealCursor | undefined;
  for (;;) {
    const page = await listPayoutDealPage(ctx.db, filter, cursor, DEALS_PER_PAGE);
    if (page.length === 0) return;
    const rows = await listPayoutRows(ctx.db, page.map((deal) => deal.dealId), filter.partnerId);
    const order = new Map(page.map((deal, index) => [deal.dealId, index]));
    rows.sort(
      (a, b) =>
        order.get(a.deal_id)! - order.get(b.deal_id)! ||
        b.payout - a.payout ||
        (a.partner_id < b.partner_id ? -1 : a.partner_id > b.partner_id ? 1 : 0),
    );
    for (const row of rows) {
      yield [
        row.deal_id,
        new Date(row.closed_at).toISOString(),
        row.currency,
        formatMinorUnits(row.amount ?? 0, row.currency),
        row.model ?? '',
        row.partner_id,
        row.partner_name,
        formatMinorUnits(row.basis_points, 2),
        formatMinorUnits(row.payout, row.currency),
      ];
    }
    cursor = page[page.length - 1];
  }
}

/**
 * Minor units as a fixed-point decimal string, exact for any safe integer.
 * @example formatMinorUnits(123405, 'USD') // '1234.05'
 * @example formatMinorUnits(3333, 2)       // '33.33'
 */
export function formatMinorUnits(minor: number, currencyOrDigits: string | number): string {
  const digits = typeof currencyOrDigits === 'number' ? currencyOrDigits : currencyDigits(currencyOrDigits);
  const sign = minor < 0 ? '-' : '';
  const text = Math.abs(minor).toString().padStart(digits + 1, '0');
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}
