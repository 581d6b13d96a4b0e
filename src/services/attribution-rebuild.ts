import { addTouchpointDayDeltas, clearDerivedData } from '../storage/analytics-rollups.js';
import type { Db } from '../storage/db.js';
import { touchpointDeltas } from './analytics-deltas.js';
import { syncDealAttributions, type SyncContext } from './attribution-sync.js';

const EVENTS_PER_PAGE = 10_000;

/**
 * Rebuilds every stored result and analytics rollup from the source tables (deals, events,
 * settings), in one transaction. The service keeps them current itself; this is for data that
 * reached the tables another way (a bulk import, a restore, a benchmark's seeding).
 */
export async function rebuildAttributionData(db: Db, ctx: SyncContext): Promise<{ deals: number; touchpoints: number }> {
  return db.transaction().execute(async (trx) => {
    await clearDerivedData(trx);
    const touchpoints = await rebuildTouchpointDays(trx);
    const deals = await trx.selectFrom('deals').select('id').execute();
    await syncDealAttributions(trx, ctx, deals.map((deal) => deal.id));
    return { deals: deals.length, touchpoints };
  });
}

/** Counts every touchpoint into the daily rollup, page by page (each page's counts add up in the table). */
async function rebuildTouchpointDays(db: Db): Promise<number> {
  let total = 0;
  for (let after = 0; ; ) {
    const page = await db
      .selectFrom('events')
      .select(['seq', 'touchpoint_type', 'timestamp'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(EVENTS_PER_PAGE)
      .execute();
    await addTouchpointDayDeltas(db, touchpointDeltas(page));
    total += page.length;
    if (page.length < EVENTS_PER_PAGE) return total;
    after = page[page.length - 1]!.seq;
  }
}
