import type { Db } from './db.js';
import type { DealRow, DealUpdate, NewDealRow } from './schema.js';

export async function insertDeal(db: Db, row: NewDealRow): Promise<void> {
  await db.insertInto('deals').values(row).execute();
}

export async function findDeal(db: Db, id: string): Promise<DealRow | undefined> {
  return db.selectFrom('deals').selectAll().where('id', '=', id).executeTakeFirst();
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
      .selectAll()
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
  await db.updateTable('deals').set(changes).where('id', '=', id).execute();
}
