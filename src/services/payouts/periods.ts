import { periodRange } from '../../domain/payouts/periods.js';
import { AppError, invalidField, notFound } from '../../errors.js';
import { takePendingDeals } from '../../storage/attribution-pending.js';
import { lockSetting } from '../../storage/attribution-settings.js';
import type { Db } from '../../storage/db.js';
import { bookPeriod } from '../../storage/payout-ledger.js';
import * as periods from '../../storage/payout-periods.js';
import type { PayoutPeriodRow } from '../../storage/schema.js';
import { finishPendingWork } from '../attribution/pending-work.js';
import { recomputeDeals } from '../attribution/results.js';
import { ATTRIBUTION_SETTINGS_KEY } from '../attribution/settings-values.js';
import { recordAudit, type Actor } from '../audit.js';
import type { ServiceContext } from '../context.js';
import { newId } from '../ids.js';

export type PayoutPeriod = PayoutPeriodRow;

// Period creations queue on this settings row, so two overlapping periods cannot both pass the check.
const PERIODS_LOCK_KEY = 'payout_periods';

/** Creates an open period of whole UTC days; 409 when it overlaps another. */
export async function createPayoutPeriod(ctx: ServiceContext, input: { start_date: string; end_date: string }, actor: Actor): Promise<PayoutPeriod> {
  if (input.end_date < input.start_date) throw invalidField('end_date', 'must not be before start_date');
  const { startsAt, endsAt } = periodRange(input.start_date, input.end_date);
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.now();
    await lockSetting(trx, PERIODS_LOCK_KEY, now);
    const [overlapping] = await periods.findOverlappingPeriods(trx, startsAt, endsAt);
    if (overlapping) {
      throw new AppError('conflict', `The period overlaps period '${overlapping.id}' (${overlapping.start_date} to ${overlapping.end_date})`, [
        { path: 'start_date', message: `overlaps period '${overlapping.id}'` },
      ]);
    }
    const row: PayoutPeriodRow = {
      id: newId('per'),
      start_date: input.start_date,
      end_date: input.end_date,
      starts_at: startsAt,
      ends_at: endsAt,
      status: 'open',
      created_at: now,
      locked_at: null,
      paid_at: null,
      payment_reference: null,
    };
    await periods.insertPayoutPeriod(trx, row);
    const changes = { start_date: { old: null, new: row.start_date }, end_date: { old: null, new: row.end_date }, status: { old: null, new: 'open' } };
    await recordAudit(trx, actor, now, [{ action: 'create', entityType: 'payout_period', entityId: row.id, changes }]);
    return row;
  });
}

export async function getPayoutPeriod(db: Db, id: string): Promise<PayoutPeriod> {
  const row = await periods.findPayoutPeriod(db, id);
  if (!row) throw notFound('Payout period', id);
  return row;
}

/** One period as `GET /payout-periods/:id` serves it; 404 if there is none. */
export async function readPayoutPeriod(ctx: ServiceContext, id: string): Promise<PayoutPeriod> {
  return getPayoutPeriod(ctx.db, id);
}

export async function listPayoutPeriodsPage(ctx: ServiceContext, page: { limit: number; offset: number }) {
  return periods.listPayoutPeriods(ctx.db, page);
}

/**
 * Freezes the period: stores every line as it stands and books its deals, so later changes to
 * them become adjustments. The transaction holds the settings row exclusively, so no
 * recomputation runs while the lines are copied, and first finishes every pending change, so the
 * lines reflect every write acknowledged before the lock. 409 unless the period is open and its
 * end date has passed.
 */
export async function lockPayoutPeriod(ctx: ServiceContext, id: string, actor: Actor): Promise<PayoutPeriod> {
  // Most of the backlog is done outside the lock, so the lock's own transaction stays short.
  await finishPendingWork(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    await lockSetting(trx, ATTRIBUTION_SETTINGS_KEY, ctx.now());
    for (let taken = await nextPending(trx); taken.length > 0; taken = await nextPending(trx)) {
      await recomputeDeals(trx, ctx, taken);
    }
    const period = await getPayoutPeriod(trx, id);
    const now = ctx.now();
    if (period.status !== 'open') throw new AppError('conflict', `Period '${id}' is already ${period.status}`);
    if (now < period.ends_at) {
      throw new AppError('conflict', `Period '${id}' ends on ${period.end_date}: it can be locked from ${new Date(period.ends_at).toISOString()}`);
    }
    await bookPeriod(trx, id, period.starts_at, period.ends_at);
    await periods.updatePeriodStatus(trx, id, 'open', { status: 'locked', locked_at: now });
    const changes = { status: { old: 'open', new: 'locked' } };
    await recordAudit(trx, actor, now, [{ action: 'lock', entityType: 'payout_period', entityId: id, changes }]);
    return { ...period, status: 'locked' as const, locked_at: now };
  });
}

const nextPending = (db: Db) => takePendingDeals(db, { limit: 500, skipLocked: false });

/** Marks a locked period paid, with the payment's reference if given; 409 for an open or already paid period. */
export async function markPayoutPeriodPaid(ctx: ServiceContext, id: string, paymentReference: string | null, actor: Actor): Promise<PayoutPeriod> {
  return ctx.db.transaction().execute(async (trx) => {
    const period = await getPayoutPeriod(trx, id);
    if (period.status !== 'locked') {
      throw new AppError('conflict', period.status === 'open' ? `Period '${id}' must be locked before it is paid` : `Period '${id}' is already paid`);
    }
    const now = ctx.now();
    if (!(await periods.updatePeriodStatus(trx, id, 'locked', { status: 'paid', paid_at: now, payment_reference: paymentReference }))) {
      throw new AppError('conflict', `Period '${id}' is already paid`);
    }
    const changes = { status: { old: 'locked', new: 'paid' }, payment_reference: { old: null, new: paymentReference } };
    await recordAudit(trx, actor, now, [{ action: 'paid', entityType: 'payout_period', entityId: id, changes }]);
    return { ...period, status: 'paid' as const, paid_at: now, payment_reference: paymentReference };
  });
}
