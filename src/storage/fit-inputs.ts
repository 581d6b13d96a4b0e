import type { Db } from './db.js';

/** One page of what the fits read: deals, and the touchpoints of those deals. */
export interface FitInputPage {
  /** The page's deals, by id. */
  deals: Map<string, { closed_at: number; won: boolean }>;
  /** Their touchpoints, grouped by deal (deals in id order), each deal's oldest first, ties in recording order. */
  touchpoints: { deal_id: string; partner_id: string; timestamp: number }[];
}

const DEALS_PER_PAGE = 5000;

/**
 * Every deal with its touchpoints, a page of deals at a time in id order, so a fit holds one
 * page and its own counts, never every path. A page is three lean reads: where it ends (the
 * 5,000th next deal id), its deals, and the touchpoints of that id range (an index range scan
 * on `events_deal`, three columns, rather than an `in (…)` list of every id with every column).
 * Deal order does not change a fit.
 */
export async function* streamFitInputs(db: Db): AsyncGenerator<FitInputPage> {
  for (let after = ''; ; ) {
    // '' sorts before every id; the page ends at its last deal, or is the rest.
    const last = await db
      .selectFrom('deals')
      .select('id')
      .where('id', '>', after)
      .orderBy('id')
      .limit(1)
      .offset(DEALS_PER_PAGE - 1)
      .executeTakeFirst();
    let dealsQuery = db.selectFrom('deals').select(['id', 'closed_at', 'status']).where('id', '>', after);
    let touchpointsQuery = db
      .selectFrom('events')
      .select(['deal_id', 'partner_id', 'timestamp'])
      .where('deal_id', '>', after)
      .orderBy('deal_id')
      .orderBy('timestamp')
      .orderBy('seq');
    if (last !== undefined) {
      dealsQuery = dealsQuery.where('id', '<=', last.id);
      touchpointsQuery = touchpointsQuery.where('deal_id', '<=', last.id);
    }
    const deals = new Map<string, { closed_at: number; won: boolean }>();
    for (const deal of await dealsQuery.execute()) deals.set(deal.id, { closed_at: Number(deal.closed_at), won: deal.status === 'won' });
    const touchpoints = await touchpointsQuery.execute();
    for (const touchpoint of touchpoints) touchpoint.timestamp = Number(touchpoint.timestamp);
    yield { deals, touchpoints };
    if (last === undefined) return;
    after = last.id;
  }
}
