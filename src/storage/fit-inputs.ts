import { readSqliteRaw, type Db } from './db.js';

/** A touchpoint as the fits read it: its deal, its partner and its timestamp (epoch ms). */
export type FitTouchpointRow = [dealId: string, partnerId: string, timestamp: number];

/** One page of what the fits read: deals, and the touchpoints of those deals. */
export interface FitInputPage {
  /** The page's deals, by id. */
  deals: Map<string, { closed_at: number; won: boolean }>;
  /** Their touchpoints, grouped by deal (deals in id order), each deal's oldest first, ties in recording order. */
  touchpoints: FitTouchpointRow[];
}

const DEALS_PER_PAGE = 5000;

// '' sorts before every id: the first page starts there.
const PAGE_END = 'select id from deals where id > ? order by id limit 1 offset ?';
const PAGE_DEALS = 'select id, closed_at, status from deals where id > ? and id <= ?';
const REST_DEALS = 'select id, closed_at, status from deals where id > ?';
const PAGE_TOUCHPOINTS = 'select deal_id, partner_id, timestamp from events where deal_id > ? and deal_id <= ? order by deal_id, timestamp, seq';
const REST_TOUCHPOINTS = 'select deal_id, partner_id, timestamp from events where deal_id > ? order by deal_id, timestamp, seq';

/**
 * Every deal with its touchpoints, a page of deals at a time in id order, so a fit holds one
 * page and its own counts, never every path. A page is three lean reads: where it ends (the
 * 5,000th next deal id), its deals, and the touchpoints of that id range (an index range scan
 * on `events_deal`, three columns, rather than an `in (…)` list of every id with every column).
 * On SQLite the rows come as arrays straight from the driver, with the connection held for the
 * page (a few milliseconds); on PostgreSQL through Kysely. Deal order does not change a fit.
 */
export async function* streamFitInputs(db: Db): AsyncGenerator<FitInputPage> {
  for (let after = ''; ; ) {
    const page = (await readSqlitePage(db, after)) ?? (await readPage(db, after));
    yield page.page;
    if (page.last === undefined) return;
    after = page.last;
  }
}

interface PageRead {
  page: FitInputPage;
  /** The page's last deal id; undefined when the page is the rest. */
  last: string | undefined;
}

function readSqlitePage(db: Db, after: string): Promise<PageRead | undefined> {
  return readSqliteRaw(db, (all) => {
    const last = all(PAGE_END, [after, DEALS_PER_PAGE - 1])[0]?.[0] as string | undefined;
    const range = last === undefined ? [after] : [after, last];
    const deals = new Map<string, { closed_at: number; won: boolean }>();
    for (const [id, closedAt, status] of all(last === undefined ? REST_DEALS : PAGE_DEALS, range)) {
      deals.set(id as string, { closed_at: Number(closedAt), won: status === 'won' });
    }
    const touchpoints = all(last === undefined ? REST_TOUCHPOINTS : PAGE_TOUCHPOINTS, range) as FitTouchpointRow[];
    return { page: { deals, touchpoints }, last };
  });
}

async function readPage(db: Db, after: string): Promise<PageRead> {
  const last = (
    await db.selectFrom('deals').select('id').where('id', '>', after).orderBy('id').limit(1).offset(DEALS_PER_PAGE - 1).executeTakeFirst()
  )?.id;
  let dealsQuery = db.selectFrom('deals').select(['id', 'closed_at', 'status']).where('id', '>', after);
  let touchpointsQuery = db
    .selectFrom('events')
    .select(['deal_id', 'partner_id', 'timestamp'])
    .where('deal_id', '>', after)
    .orderBy('deal_id')
    .orderBy('timestamp')
    .orderBy('seq');
  if (last !== undefined) {
    dealsQuery = dealsQuery.where('id', '<=', last);
    touchpointsQuery = touchpointsQuery.where('deal_id', '<=', last);
  }
  const deals = new Map<string, { closed_at: number; won: boolean }>();
  for (const deal of await dealsQuery.execute()) deals.set(deal.id, { closed_at: Number(deal.closed_at), won: deal.status === 'won' });
  const touchpoints = (await touchpointsQuery.execute()).map(
    (row): FitTouchpointRow => [row.deal_id, row.partner_id, Number(row.timestamp)],
  );
  return { page: { deals, touchpoints }, last };
}
