import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import { insertJsonRows, toJsonRows, type JsonColumns } from './json-rows.js';
import type { TouchpointRecord, NewTouchpointRecord } from './schema.js';

/** Inserts the rows whose id is not stored yet; returns the ids it inserted. */
export async function insertNewTouchpoints(db: Db, rows: readonly NewTouchpointRecord[]): Promise<Set<string>> {
  if (rows.length === 1) {
    const row = rows[0]!;
    const values = [row.id, row.partner_id, row.deal_id, row.touchpoint_type, row.timestamp, row.metadata, row.request_hash, row.created_at];
    return new Set((await insertOneNewTouchpoint(db, values)).map((written) => written.id));
  }
  const inserted = new Set<string>();
  for (const chunk of chunks(rows)) {
    const written = await insertNewTouchpointRows(db, [toJsonRows(chunk, TOUCHPOINT_COLUMNS_JSON)]);
    for (const row of written) inserted.add(row.id);
  }
  return inserted;
}

const TOUCHPOINT_COLUMNS_JSON: JsonColumns<'events'> = {
  id: 'key',
  partner_id: 'key',
  deal_id: 'key',
  touchpoint_type: 'key',
  timestamp: 'integer',
  metadata: 'text',
  request_hash: 'text',
  created_at: 'integer',
};

// A batch, or a group of single events: one statement text whatever the count.
const insertNewTouchpointRows = compileOnce<{ id: string }>(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'events', rowsJson!, TOUCHPOINT_COLUMNS_JSON)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id'),
);

// POST /events: the single-row insert, compiled once.
const insertOneNewTouchpoint = compileOnce<{ id: string }>(8, (db, [id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at]) =>
  db
    .insertInto('events')
    // Placeholders stand in for the values; their types are the caller's.
    .values({ id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at } as unknown as NewTouchpointRecord)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id'),
);

export async function findTouchpoint(db: Db, id: string): Promise<TouchpointRecord | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findTouchpointsByIds(db: Db, ids: readonly string[]): Promise<TouchpointRecord[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('events').selectAll().where('id', 'in', [...new Set(ids)]).execute();
}

/** A deal's touchpoints, oldest first, ties in recording order. */
export async function listDealTouchpoints(db: Db, dealId: string): Promise<TouchpointRecord[]> {
  return db
    .selectFrom('events')
    .selectAll()
    .where('deal_id', '=', dealId)
    .orderBy('timestamp')
    .orderBy('seq')
    .execute();
}

export interface TouchpointListQuery {
  dealId?: string | undefined;
  partnerId?: string | undefined;
  touchpointType?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  offset: number;
}

/** Touchpoints oldest first, filtered; `from` and `to` are inclusive epoch milliseconds. */
export async function listTouchpoints(db: Db, query: TouchpointListQuery) {
  let filtered = db.selectFrom('events');
  if (query.dealId !== undefined) filtered = filtered.where('deal_id', '=', query.dealId);
  if (query.partnerId !== undefined) filtered = filtered.where('partner_id', '=', query.partnerId);
  if (query.touchpointType !== undefined) filtered = filtered.where('touchpoint_type', '=', query.touchpointType);
  if (query.from !== undefined) filtered = filtered.where('timestamp', '>=', query.from);
  if (query.to !== undefined) filtered = filtered.where('timestamp', '<=', query.to);
  const [data, count] = await Promise.all([
    filtered.selectAll().orderBy('timestamp').orderBy('seq').limit(query.limit).offset(query.offset).execute(),
    filtered.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
  ]);
  return { data, total: Number(count.total) };
}

export async function deleteTouchpoint(db: Db, id: string): Promise<TouchpointRecord | undefined> {
  const row = await findTouchpoint(db, id);
  if (row) await db.deleteFrom('events').where('id', '=', id).execute();
  return row;
}
