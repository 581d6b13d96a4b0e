import { adjustmentsToReach, CHANGE_REASONS, type PayoutAmount } from '../../domain/payouts/adjustments.js';
import { periodContaining } from '../../domain/payouts/periods.js';
import type { Db } from '../../storage/db.js';
import { insertAdjustments, insertDealBookings, readDealLedger, type DealLedger } from '../../storage/payout-ledger.js';
import { anyPeriodClosed } from '../../storage/payout-periods.js';
import type { DealRow, PayoutAdjustmentRow } from '../../storage/schema.js';
import { newOrderedId } from '../ids.js';

/** A deal just recomputed: its row and its current payout per partner (none when it is not won). */
export interface RecomputedDeal {
  deal: DealRow;
  payouts: readonly PayoutAmount[];
}

/**
 * Call in the transaction that stores the deals' new results: for every deal booked into a
 * locked period, records what moved (one adjustment per partner and currency), so that its
 * locked lines plus its adjustments equal its current payouts. A deal that closes in a locked
 * period it was not booked into (created late, or moved there) is booked now, and its whole
 * payout becomes adjustments. Costs one read per call (bookings, booked amounts and the closed periods in one statement),
 * and before any period is locked one probe of the periods table.
 */
export async function adjustBookedDeals(
  db: Db,
  recomputed: readonly RecomputedDeal[],
  reasons: ReadonlyMap<string, string | null>,
  now: number,
): Promise<void> {
  if (recomputed.length === 0) return;
  // Nothing is booked before the first lock, and a lock waits for recomputations in flight (it
  // takes the settings row they share): with no closed period there is nothing to adjust.
  if (!(await anyPeriodClosed(db))) return;
  // The closed periods are read along: a deal not booked yet may close inside one.
  const ledger = await readDealLedger(db, recomputed.map(({ deal }) => deal.id), true);
  const bookings = ledger.bookings;
  if (bookings.size < recomputed.length) await bookLateDeals(db, recomputed, bookings, ledger.closedPeriods);
  if (bookings.size === 0) return;

  const booked = new Map<string, PayoutAmount[]>();
  for (const row of ledger.amounts) {
    const list = booked.get(row.deal_id) ?? [];
    list.push({ partnerId: row.partner_id, currency: row.currency, amountMinor: row.amount_minor });
    booked.set(row.deal_id, list);
  }
  const rows: PayoutAdjustmentRow[] = [];
  for (const { deal, payouts } of recomputed) {
    const periodId = bookings.get(deal.id);
    if (periodId === undefined) continue;
    for (const entry of adjustmentsToReach(booked.get(deal.id) ?? [], payouts)) {
      rows.push({
        id: newOrderedId('adj', now),
        deal_id: deal.id,
        partner_id: entry.partnerId,
        currency: entry.currency,
        amount_minor: entry.amountMinor,
        reason: reasons.get(deal.id) ?? CHANGE_REASONS.recalculated,
        created_at: now,
        original_period_id: periodId,
        period_id: null,
        partner_name: null,
      });
    }
  }
  await insertAdjustments(db, rows);
}

/** Books the deals that close inside a locked period but were not booked (adds them to `bookings`). */
async function bookLateDeals(
  db: Db,
  recomputed: readonly RecomputedDeal[],
  bookings: Map<string, string>,
  closed: DealLedger['closedPeriods'],
): Promise<void> {
  if (closed.length === 0) return;
  const ranges = closed.map((period) => ({ id: period.id, startsAt: period.starts_at, endsAt: period.ends_at }));
  const late: { deal_id: string; period_id: string }[] = [];
  for (const { deal } of recomputed) {
    if (bookings.has(deal.id)) continue;
    const period = periodContaining(ranges, deal.closed_at);
    if (period) late.push({ deal_id: deal.id, period_id: period.id });
  }
  await insertDealBookings(db, late);
  for (const booking of late) bookings.set(booking.deal_id, booking.period_id);
}
