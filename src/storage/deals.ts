import type { Db } from './db.js';
import type { DealRow, DealUpdate } from './schema.js';

/**
 * A `DealRow`'s columns, for every read of deals. The amount's column is `amount` (schema.ts says
 * why); everything above storage reads it as `amount_minor`. Named, not `deals.*`: PostgreSQL
 * cannot run a prepared `*` again once a migration adds a column.
 */
export const DEAL_COLUMNS = [
  'deals.id',
  'deals.amount as amount_minor',
  'deals.currency',
  'deals.closed_at',
  'deals.attribution_model',
  'deals.status',
  'deals.created_at',
  'deals.updated_at',
] as const;

export async function insertDeal(db: Db, deal: DealRow): Promise<void> {
  const { amount_minor, ...rest } = deal;
  await db.insertInto('deals').values({ ...rest, amount: amount_minor }).execute();
}

export async function findDeal(db: Db, id: string): Promise<DealRow | undefined> {
  return db.selectFrom('deals').select(DEAL_COLUMNS).where('id', '=', id).executeTakeFirst();
}

export interface DealListQuery {
  status?: 'won' | 'lost' | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  offset: number;
}

/** Deals by closing date, newest first; `from` and `to` are inclusive epoch milliseconds. */
export async function listDeals(db: Db, query: DealListQuery) {
  let filtered = db.selectFrom('deals');
  if (query.status !== undefined) filtered = filtered.where('status', '=', query.status);
  if (query.from !== undefined) filtered = filtered.where('closed_at', '>=', query.from);
  if (query.to !== undefined) filtered = filtered.where('closed_at', '<=', query.to);
  const [data, count] = await Promise.all([
    filtered
      .select(DEAL_COLUMNS)
      .orderBy('closed_at', 'desc')
      .orderBy('id')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
    filtered.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { data, total: Number(count.total) };
}

export async function updateDeal(db: Db, id: string, changes: DealUpdate): Promise<void> {
  const { amount_minor, ...rest } = changes;
  await db
    .updateTable('deals')
    .set(amount_minor === undefined ? rest : { ...rest, amount: amount_minor })
    .where('id', '=', id)
    .execute();
}
