import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import { idListParameter, inIdList } from './json-rows.js';

/** What a model needs from one touchpoint row. */
export interface TouchpointRow {
  seq: number;
  /** The touchpoint's id, for explanations. */
  id: string;
  deal_id: string;
  partner_id: string;
  touchpoint_type: string;
  timestamp: number;
}

/** The touchpoints of the given deals, each deal's oldest first, ties in recording order. */
export async function listTouchpointsForDeals(db: Db, dealIds: readonly string[]): Promise<TouchpointRow[]> {
  const rows: TouchpointRow[] = [];
  for (const chunk of chunks(dealIds)) rows.push(...(await touchpointsOfDeals(db, [idListParameter(db, chunk)])));
  return rows;
}

// Every recomputation reads its deals' touchpoints with it.
const touchpointsOfDeals = compileOnce<TouchpointRow>(1, (db, [ids]) =>
  db
    .selectFrom('events')
    .select(['seq', 'id', 'deal_id', 'partner_id', 'touchpoint_type', 'timestamp'])
    .where(inIdList(db, 'deal_id', ids))
    .orderBy('deal_id')
    .orderBy('timestamp')
    .orderBy('seq'),
);

/** Whether the partner has at least one touchpoint on the deal. */
export async function hasTouchpointOnDeal(db: Db, dealId: string, partnerId: string): Promise<boolean> {
  const row = await db
    .selectFrom('events')
    .select('seq')
    .where('deal_id', '=', dealId)
    .where('partner_id', '=', partnerId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Partner names by id, for the given ids. */
export async function findPartnerNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const chunk of chunks(ids)) {
    const rows = await db.selectFrom('partners').select(['id', 'name']).where('id', 'in', chunk).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}
