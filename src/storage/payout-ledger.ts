import { sql } from 'kysely';
import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import { idListParameter, inIdList, jsonRowsInsert, type JsonColumns } from './json-rows.js';
import type { PayoutAdjustmentRow } from './schema.js';

/** What the ledger knows about some deals: the period each booked one is in, and what each has booked. */
export interface DealLedger {
  bookings: Map<string, string>;
  amounts: BookedAmount[];
  /** Locked and paid periods, read only when `withClosedPeriods` asked for them. */
  closedPeriods: { id: string; starts_at: number; ends_at: number }[];
}

/** One partner's booked amount on one deal in one currency: its locked lines plus its adjustments. */
export interface BookedAmount {
  deal_id: string;
  partner_id: string;
  currency: string;
  amount_minor: number;
}

type LedgerRow = { kind: string; deal_id: string; ref: string; currency: string; amount_minor: number | string; ends_at: number | string };

/*
 * One statement per chunk: every recomputation runs it, so its bookings, lines, adjustments (and,
 * when asked, the closed periods) come back in one round trip. The ids are one parameter, so each
 * form's text is built once and stays prepared (json-rows.ts says why).
 */
const ledgerRows = (withClosedPeriods: boolean) =>
  compileOnce<LedgerRow>(1, (db, [ids]) => {
    const listed = inIdList(db, 'deal_id', ids);
    const periods = withClosedPeriods
      ? sql`union all select 'period', id, id, '', starts_at, ends_at from payout_periods where status <> 'open'`
      : sql``;
    return db
      .selectFrom(
        sql<LedgerRow>`(
          select 'booking' as kind, deal_id, period_id as ref, '' as currency, 0 as amount_minor, 0 as ends_at from payout_deal_bookings where ${listed}
          union all select 'line', deal_id, partner_id, currency, payout_minor, 0 from payout_lines where ${listed}
          union all select 'adjustment', deal_id, partner_id, currency, amount_minor, 0 from payout_adjustments where ${listed}
          ${periods})`.as('ledger'),
      )
      .selectAll();
  });
const ledgerWithClosedPeriods = ledgerRows(true);
const ledgerAlone = ledgerRows(false);

/** The ledger of the given deals, in one read per chunk of ids. */
export async function readDealLedger(db: Db, dealIds: readonly string[], withClosedPeriods: boolean): Promise<DealLedger> {
  const ledger: DealLedger = { bookings: new Map(), amounts: [], closedPeriods: [] };
  const sums = new Map<string, BookedAmount>();
  let periodsRead = !withClosedPeriods;
  for (const chunk of chunks(dealIds)) {
    const rows = await (periodsRead ? ledgerAlone : ledgerWithClosedPeriods)(db, [idListParameter(db, chunk)]);
    periodsRead = true;
    for (const row of rows) {
      if (row.kind === 'booking') ledger.bookings.set(row.deal_id, row.ref);
      else if (row.kind === 'period') ledger.closedPeriods.push({ id: row.ref, starts_at: Number(row.amount_minor), ends_at: Number(row.ends_at) });
      else {
        const key = `${row.deal_id}\u0000${row.ref}\u0000${row.currency}`;
        const sum = sums.get(key) ?? { deal_id: row.deal_id, partner_id: row.ref, currency: row.currency, amount_minor: 0 };
        sum.amount_minor += Number(row.amount_minor);
        sums.set(key, sum);
      }
    }
  }
  ledger.amounts = [...sums.values()];
  return ledger;
}

export async function insertDealBookings(db: Db, bookings: readonly { deal_id: string; period_id: string }[]): Promise<void> {
  for (const chunk of chunks(bookings, 500)) {
    await db.insertInto('payout_deal_bookings').values(chunk).execute();
  }
}

export async function insertAdjustments(db: Db, rows: readonly PayoutAdjustmentRow[]): Promise<void> {
  // A single write moves one deal: its few partners' adjustments, each through the compiled insert.
  if (rows.length <= FEW_ADJUSTMENTS) {
    for (const row of rows) {
      const { id, deal_id, partner_id, currency, amount_minor, reason, created_at, original_period_id, period_id, partner_name } = row;
      await insertOneAdjustment(db, [id, deal_id, partner_id, currency, amount_minor, reason, created_at, original_period_id, period_id, partner_name]);
    }
    return;
  }
  await insertAdjustmentRows(db, rows);
}

const ADJUSTMENT_COLUMNS_JSON: JsonColumns<'payout_adjustments'> = {
  id: 'key',
  deal_id: 'key',
  partner_id: 'key',
  currency: 'key',
  amount_minor: 'integer',
  reason: 'text',
  created_at: 'integer',
  original_period_id: 'key',
  period_id: 'key',
  partner_name: 'text',
};

// A drain of many booked deals: one statement text whatever their count (json-rows.ts says why).
const insertAdjustmentRows = jsonRowsInsert('payout_adjustments', ADJUSTMENT_COLUMNS_JSON);

const FEW_ADJUSTMENTS = 4;

const insertOneAdjustment = compileOnce(10, (db, [id, deal_id, partner_id, currency, amount_minor, reason, created_at, original_period_id, period_id, partner_name]) =>
  db
    .insertInto('payout_adjustments')
    // Placeholders stand in for the values; their types are the caller's.
    .values({ id, deal_id, partner_id, currency, amount_minor, reason, created_at, original_period_id, period_id, partner_name } as unknown as PayoutAdjustmentRow),
);

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
