import { listTouchpointsForDeals, type TouchpointRow } from './attribution-inputs.js';
import type { Db } from './db.js';

/** A won or lost deal with its touchpoints, as the fits read it. */
export interface FitInputDeal {
  id: string;
  closed_at: number;
  won: boolean;
  touchpoints: TouchpointRow[];
}

const DEALS_PER_PAGE = 5000;

/**
 * Every deal with its touchpoints, a page at a time in id order, so a fit holds one page and
 * its own counts, never every path. Deal order does not change a fit.
 */
export async function* streamFitInputs(db: Db): AsyncGenerator<FitInputDeal[]> {
  for (let after: string | undefined; ; ) {
    let query = db.selectFrom('deals').select(['id', 'closed_at', 'status']).orderBy('id').limit(DEALS_PER_PAGE);
    if (after !== undefined) query = query.where('id', '>', after);
    const deals = await query.execute();
    if (deals.length === 0) return;
    const byDeal = new Map<string, TouchpointRow[]>(deals.map((deal) => [deal.id, []]));
    for (const row of await listTouchpointsForDeals(db, deals.map((deal) => deal.id))) byDeal.get(row.deal_id)?.push(row);
    yield deals.map((deal) => ({ id: deal.id, closed_at: Number(deal.closed_at), won: deal.status === 'won', touchpoints: byDeal.get(deal.id)! }));
    if (deals.length < DEALS_PER_PAGE) return;
    after = deals[deals.length - 1]!.id;
  }
}
