import type { Db } from './db.js';
import type { PayoutPeriodRow } from './schema.js';

/** A statement line: one partner's payout on one deal. */
export interface StatementLine {
  partner_id: string;
  partner_name: string;
  deal_id: string;
  closed_at: number;
  deal_amount_minor: number;
  currency: string;
  model: string;
  basis_points: number;
  payout_minor: number;
}

export interface StatementAdjustment {
  id: string;
  partner_id: string;
  partner_name: string;
  deal_id: string;
  currency: string;
  amount_minor: number;
  reason: string;
  created_at: number;
  original_period_id: string;
}


/**
 * The period's lines for one partner or all: stored ones once it is locked, otherwise the live
 * shares of the won deals closed in it that no earlier period booked.
 */
export async function listStatementLines(db: Db, period: PayoutPeriodRow, partnerId?: string): Promise<StatementLine[]> {
  if (period.status !== 'open') {
    let query = db
      .selectFrom('payout_lines')
      .select(['partner_id', 'partner_name', 'deal_id', 'closed_at', 'deal_amount_minor', 'currency', 'model', 'basis_points', 'payout_minor'])
      .where('period_id', '=', period.id);
    if (partnerId !== undefined) query = query.where('partner_id', '=', partnerId);
    const rows = await query.orderBy('partner_id').orderBy('closed_at').orderBy('deal_id').execute();
    return rows.map(numeric);
  }
  let query = db
    .selectFrom('attribution_shares as share')
    .innerJoin('attribution_results as result', 'result.deal_id', 'share.deal_id')
    .innerJoin('partners as partner', 'partner.id', 'share.partner_id')
    .select([
      'share.partner_id',
      'partner.name as partner_name',
      'share.deal_id',
      'result.closed_at',
      'result.amount_minor as deal_amount_minor',
      'share.currency',
      'result.model',
      'share.basis_points',
      'share.payout as payout_minor',
    ])
    .where('result.closed_at', '>=', period.starts_at)
    .where('result.closed_at', '<', period.ends_at)
    .where((w) => w.not(w.exists(w.selectFrom('payout_deal_bookings as booked').select('booked.deal_id').whereRef('booked.deal_id', '=', 'share.deal_id'))));
  if (partnerId !== undefined) query = query.where('share.partner_id', '=', partnerId);
  const rows = await query.orderBy('share.partner_id').orderBy('result.closed_at').orderBy('share.deal_id').execute();
  return rows.map(numeric);
}

/** The adjustments a period holds: frozen into it once locked, otherwise those recorded during it. */
export async function listStatementAdjustments(db: Db, period: PayoutPeriodRow, partnerId?: string): Promise<StatementAdjustment[]> {
  let query = db
    .selectFrom('payout_adjustments as adjustment')
    .leftJoin('partners as partner', 'partner.id', 'adjustment.partner_id')
    .select([
      'adjustment.id',
      'adjustment.partner_id',
      'adjustment.partner_name as frozen_name',
      'partner.name as live_name',
      'adjustment.deal_id',
      'adjustment.currency',
      'adjustment.amount_minor',
      'adjustment.reason',
      'adjustment.created_at',
      'adjustment.original_period_id',
    ]);
  query =
    period.status !== 'open'
      ? query.where('adjustment.period_id', '=', period.id)
      : query
          .where('adjustment.period_id', 'is', null)
          .where('adjustment.created_at', '>=', period.starts_at)
          .where('adjustment.created_at', '<', period.ends_at);
  if (partnerId !== undefined) query = query.where('adjustment.partner_id', '=', partnerId);
  const rows = await query.orderBy('adjustment.partner_id').orderBy('adjustment.created_at').orderBy('adjustment.deal_id').orderBy('adjustment.id').execute();
  return rows.map(({ frozen_name, live_name, ...row }) => ({
    ...row,
    partner_name: (period.status !== 'open' ? frozen_name : live_name) ?? frozen_name ?? live_name ?? row.partner_id,
    amount_minor: Number(row.amount_minor),
    created_at: Number(row.created_at),
  }));
}

/** Adjustments recorded when no period contained their date, and none has been locked over them since. */
export async function listUnassignedAdjustments(db: Db, query: { partnerId?: string | undefined; limit: number; offset: number }) {
  let filtered = db
    .selectFrom('payout_adjustments as adjustment')
    .where('adjustment.period_id', 'is', null)
    .where((w) =>
      w.not(
        w.exists(
          w
            .selectFrom('payout_periods as period')
            .select('period.id')
            .whereRef('period.starts_at', '<=', 'adjustment.created_at')
            .whereRef('period.ends_at', '>', 'adjustment.created_at'),
        ),
      ),
    );
  if (query.partnerId !== undefined) filtered = filtered.where('adjustment.partner_id', '=', query.partnerId);
  const [data, count] = await Promise.all([
    filtered.selectAll().orderBy('adjustment.created_at').orderBy('adjustment.deal_id').orderBy('adjustment.partner_id').orderBy('adjustment.id').limit(query.limit).offset(query.offset).execute(),
    filtered.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { data, total: Number(count.count) };
}

function numeric<T extends StatementLine>(row: T): StatementLine {
  return {
    ...row,
    closed_at: Number(row.closed_at),
    deal_amount_minor: Number(row.deal_amount_minor),
    basis_points: Number(row.basis_points),
    payout_minor: Number(row.payout_minor),
  };
}
