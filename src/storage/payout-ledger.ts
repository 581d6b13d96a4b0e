import { sql } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './db.js';
import type { PayoutAdjustmentRow } from './schema.js';

/** The period each of these deals was booked into (only the booked ones). */
export async function findDealBookings(db: Db, dealIds: readonly string[]): Promise<Map<string, string>> {
  const bookings = new Map<string, string>();
  for (const chunk of chunks(dealIds)) {
    const rows = await db.selectFrom('payout_deal_bookings').select(['deal_id', 'period_id']).where('deal_id', 'in', chunk).execute();
    for (const row of rows) bookings.set(row.deal_id, row.period_id);
  }
  return bookings;
}

export async function insertDealBookings(db: Db, bookings: readonly { deal_id: string; period_id: string }[]): Promise<void> {
  for (const chunk of chunks(bookings, 500)) {
    await db.insertInto('payout_deal_bookings').values(chunk).execute();
  }
}

/** One partner's booked amount on one deal in one currency: its locked lines plus its adjustments. */
export interface BookedAmount {
  deal_id: string;
  partner_id: string;
  currency: string;
  amount_minor: number;
}

/** What the given deals have booked so far, per deal, partner and currency. */
export async function sumBookedAmounts(db: Db, dealIds: readonly string[]): Promise<BookedAmount[]> {
  const amounts: BookedAmount[] = [];
  for (const chunk of chunks(dealIds)) {
    const lines = await db
      .selectFrom('payout_lines')
      .select((eb) => ['deal_id', 'partner_id', 'currency', eb.fn.sum<number>('payout_minor').as('amount_minor')])
      .where('deal_id', 'in', chunk)
      .groupBy(['deal_id', 'partner_id', 'currency'])
      .execute();
    const adjustments = await db
      .selectFrom('payout_adjustments')
      .select((eb) => ['deal_id', 'partner_id', 'currency', eb.fn.sum<number>('amount_minor').as('amount_minor')])
      .where('deal_id', 'in', chunk)
      .groupBy(['deal_id', 'partner_id', 'currency'])
      .execute();
    for (const row of [...lines, ...adjustments]) amounts.push({ ...row, amount_minor: Number(row.amount_minor) });
  }
  return amounts;
}

export async function insertAdjustments(db: Db, rows: readonly PayoutAdjustmentRow[]): Promise<void> {
  for (const chunk of chunks(rows, 200)) {
    await db.insertInto('payout_adjustments').values(chunk).execute();
  }
}

/**
 * Stores the period's lines: every stored share of a won deal closed in `[startsAt, endsAt)`
 * that is not booked yet (a booked deal changes only by adjustments), with the partner's name
 * as it is now. Then books those deals and every other unbooked deal closed in the period (lost
 * deals too: winning them back later is an adjustment to this period).
 */
export async function bookPeriod(db: Db, periodId: string, startsAt: number, endsAt: number): Promise<void> {
  const period = sql<string>`cast(${periodId} as text)`;
  await db
    .insertInto('payout_lines')
    .columns(['period_id', 'partner_id', 'deal_id', 'partner_name', 'currency', 'deal_amount_minor', 'closed_at', 'model', 'basis_points', 'payout_minor'])
    .expression((eb) =>
      eb
        .selectFrom('attribution_shares as share')
        .innerJoin('attribution_results as result', 'result.deal_id', 'share.deal_id')
        .innerJoin('partners as partner', 'partner.id', 'share.partner_id')
        .select([
          period.as('period_id'),
          'share.partner_id',
          'share.deal_id',
          'partner.name',
          'share.currency',
          'result.amount_minor',
          'result.closed_at',
          'result.model',
          'share.basis_points',
          'share.payout',
        ])
        .where('result.closed_at', '>=', startsAt)
        .where('result.closed_at', '<', endsAt)
        .where((w) => w.not(w.exists(w.selectFrom('payout_deal_bookings as booked').select('booked.deal_id').whereRef('booked.deal_id', '=', 'share.deal_id')))),
    )
    .execute();
  await db
    .insertInto('payout_deal_bookings')
    .columns(['deal_id', 'period_id'])
    .expression((eb) =>
      eb
        .selectFrom('deals')
        .select(['deals.id', period.as('period_id')])
        .where((w) =>
          w.or([
            w.and([w('deals.closed_at', '>=', startsAt), w('deals.closed_at', '<', endsAt)]),
            w('deals.id', 'in', w.selectFrom('payout_lines').select('payout_lines.deal_id').where('payout_lines.period_id', '=', periodId)),
          ]),
        )
        .where((w) => w.not(w.exists(w.selectFrom('payout_deal_bookings as booked').select('booked.deal_id').whereRef('booked.deal_id', '=', 'deals.id')))),
    )
    .execute();
  // Adjustments recorded during the period are frozen into it, with the partner's name of today.
  await db
    .updateTable('payout_adjustments')
    .set((eb) => ({
      period_id: periodId,
      partner_name: eb.selectFrom('partners').select('partners.name').whereRef('partners.id', '=', 'payout_adjustments.partner_id'),
    }))
    .where('period_id', 'is', null)
    .where('created_at', '>=', startsAt)
    .where('created_at', '<', endsAt)
    .execute();
}
