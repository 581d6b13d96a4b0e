import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import type { PayoutPeriodRow, PayoutPeriodsTable } from './schema.js';

export async function insertPayoutPeriod(db: Db, row: PayoutPeriodRow): Promise<void> {
  await db.insertInto('payout_periods').values(row).execute();
}

export async function findPayoutPeriod(db: Db, id: string): Promise<PayoutPeriodRow | undefined> {
  return db.selectFrom('payout_periods').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The periods whose days overlap `[startsAt, endsAt)`. */
export async function findOverlappingPeriods(db: Db, startsAt: number, endsAt: number): Promise<PayoutPeriodRow[]> {
  return db.selectFrom('payout_periods').selectAll().where('starts_at', '<', endsAt).where('ends_at', '>', startsAt).execute();
}

export async function listPayoutPeriods(db: Db, page: { limit: number; offset: number }) {
  const [data, count] = await Promise.all([
    db.selectFrom('payout_periods').selectAll().orderBy('starts_at', 'desc').limit(page.limit).offset(page.offset).execute(),
    db.selectFrom('payout_periods').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { data, total: Number(count.count) };
}

/** Moves the period from `from` to its next state; false when it was not in `from` (someone else moved it). */
export async function updatePeriodStatus(
  db: Db,
  id: string,
  from: PayoutPeriodsTable['status'],
  changes: Partial<Pick<PayoutPeriodRow, 'status' | 'locked_at' | 'paid_at' | 'payment_reference'>>,
): Promise<boolean> {
  const result = await db.updateTable('payout_periods').set(changes).where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Whether any period has been locked (a locked period never opens again): until then no deal is booked. */
export async function anyPeriodClosed(db: Db): Promise<boolean> {
  return (await firstClosedPeriod(db, [])).length > 0;
}

// Every recomputation asks: compiled once.
const firstClosedPeriod = compileOnce<{ id: string }>(0, (db) => db.selectFrom('payout_periods').select('id').where('status', '<>', 'open').limit(1));
