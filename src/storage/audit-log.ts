import type { Db } from './db.js';
import { jsonRowsInsert, type JsonColumns } from './json-rows.js';
import type { AuditLogRow } from './schema.js';

export async function insertAuditEntries(db: Db, rows: readonly AuditLogRow[]): Promise<void> {
  if (rows.length === 1) {
    await db.insertInto('audit_log').values(rows[0]!).execute();
    return;
  }
  await insertAuditRows(db, rows);
}

const AUDIT_COLUMNS_JSON: JsonColumns<'audit_log'> = {
  id: 'key',
  at: 'integer',
  key_id: 'key',
  key_name: 'text',
  action: 'key',
  entity_type: 'key',
  entity_id: 'key',
  changes: 'text',
};

// A batch writes an entry per touchpoint: one statement text whatever their count.
const insertAuditRows = jsonRowsInsert('audit_log', AUDIT_COLUMNS_JSON);

export interface AuditLogQuery {
  entity_type?: string | undefined;
  entity_id?: string | undefined;
  key_id?: string | undefined;
  /** Epoch ms, inclusive. */
  from?: number | undefined;
  to?: number | undefined;
  limit: number;
  offset: number;
}

/** A page of entries matching the filter, newest first, with the total. */
export async function listAuditEntries(db: Db, query: AuditLogQuery) {
  let filtered = db.selectFrom('audit_log');
  if (query.entity_type !== undefined) filtered = filtered.where('entity_type', '=', query.entity_type);
  if (query.entity_id !== undefined) filtered = filtered.where('entity_id', '=', query.entity_id);
  if (query.key_id !== undefined) filtered = filtered.where('key_id', '=', query.key_id);
  if (query.from !== undefined) filtered = filtered.where('at', '>=', query.from);
  if (query.to !== undefined) filtered = filtered.where('at', '<=', query.to);
  const [data, count] = await Promise.all([
    filtered.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
    filtered.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { data, total: Number(count.count) };
}
