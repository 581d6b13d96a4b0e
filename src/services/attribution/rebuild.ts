import { CHANGE_REASONS } from '../../domain/payouts/adjustments.js';
import { addTouchpointDayDeltas, clearDerivedData } from '../../storage/analytics-rollups.js';
import { countPendingDeals, lockPendingQueue, markAllDealsPending } from '../../storage/attribution-pending.js';
import type { Db } from '../../storage/db.js';
import { touchpointDeltas } from '../analytics/deltas.js';
import { refitModels } from './fits.js';
import { finishPendingWork, type DrainContext } from './pending-work.js';

const TOUCHPOINTS_PER_PAGE = 10_000;

/** How far a rebuild is: deals recomputed so far out of those queued. */
export type RebuildProgress = (done: number, total: number) => void;

/**
 * Rebuilds every stored result and analytics rollup from the source tables (deals, events,
 * settings). The service keeps them current itself; this is for data that reached the tables
 * another way (a bulk import, a restore). First, in one transaction, the derived tables are
 * emptied, the touchpoint rollup is recounted and every deal is marked pending; then the deals
 * are recomputed 500 per transaction. Readers stay correct throughout (they finish pending deals
 * first), and a rebuild stopped half-way resumes from the pending table on the next start.
 */
export async function rebuildAttributionData(ctx: DrainContext, onProgress?: RebuildProgress): Promise<{ deals: number; touchpoints: number }> {
  const counts = await ctx.db.transaction().execute(async (trx) => {
    await lockPendingQueue(trx);
    await clearDerivedData(trx);
    const touchpoints = await rebuildTouchpointDays(trx);
    await markAllDealsPending(trx, ctx.now(), CHANGE_REASONS.rebuilt);
    const deals = await trx.selectFrom('deals').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    return { deals: Number(deals.count), touchpoints };
  });
  // Fits read the same source tables: one that exists is made again from them.
  if (Object.keys(await ctx.fits.current(ctx.db)).length > 0) await refitModels(ctx);
  const { deals: total } = await countPendingDeals(ctx.db);
  let done = 0;
  onProgress?.(done, total);
  await finishPendingWork(ctx, (taken) => onProgress?.((done += taken), total));
  return counts;
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
      .limit(TOUCHPOINTS_PER_PAGE)
      .execute();
    await addTouchpointDayDeltas(db, touchpointDeltas(page));
    total += page.length;
    if (page.length < TOUCHPOINTS_PER_PAGE) return total;
    after = page[page.length - 1]!.seq;
  }
}
