import { CHANGE_REASONS } from '../../domain/payouts/adjustments.js';
import { addTouchpointDayDeltas } from '../../storage/analytics-rollups.js';
import {
  countPendingDeals,
  markDealsPending,
  takePendingDeals,
  takePendingDealsById,
} from '../../storage/attribution-pending.js';
import { markFitInputsChanged } from '../../storage/attribution-fits.js';
import { listOutdatedResultIds } from '../../storage/attribution-results.js';
import { shareSetting } from '../../storage/attribution-settings.js';
import type { Db } from '../../storage/db.js';
import { DATA_DRIVEN_MODELS } from '../../domain/attribution/index.js';
import { touchpointDeltas } from '../analytics/deltas.js';
import type { ServiceContext } from '../context.js';
import { FitsOutdatedError } from './fit-cache.js';
import { ensureCurrentFits } from './fits.js';
import { recomputeDeals } from './results.js';
import { ATTRIBUTION_SETTINGS_KEY, readAttributionSettings, SETTINGS_DEPENDENT_MODELS } from './settings-values.js';

/**
 * Change propagation, the reader's and the writer's side (docs/architecture.md). A write marks
 * what it made out of date in its own transaction; the worker (`worker.ts`) or a reader that
 * cannot wait recomputes it later, many deals per transaction.
 */

/** What draining needs from the service context. */
export type DrainContext = Pick<ServiceContext, 'db' | 'now' | 'defaultModel' | 'fits'>;

// One transaction's worth: bounds both its memory and how long it holds its locks.
export const DEALS_PER_DRAIN = 500;

/** The facts of a touchpoint that propagation needs. */
export interface TouchpointFacts {
  deal_id: string;
  touchpoint_type: string;
  timestamp: number;
}

/*
 * Lock order in every transaction that recomputes: the settings row (shared), then pending rows
 * in id order, then results, shares and rollup rows in key order. Writers take pending rows and
 * then the touchpoint rollup's rows, but never wait for a lock while holding a recomputation's.
 */

/**
 * Call inside the transaction that inserted or deleted touchpoints, as its last write: marks their
 * deals pending and counts them into the daily touchpoint rollup (independent of any deal).
 * Concurrent writers touch the same rollup rows (one per day and type), and each holds those it
 * upserted until it commits, so they come last: taken first, they made every concurrent batch on
 * PostgreSQL wait for the rest of another's transaction.
 */
export async function markTouchpointChanges(
  db: Db,
  now: number,
  changes: { added?: readonly TouchpointFacts[]; removed?: readonly TouchpointFacts[] },
): Promise<void> {
  const added = changes.added ?? [];
  const removed = changes.removed ?? [];
  if (added.length + removed.length === 0) return;
  if (added.length > 0) await markDealsPending(db, added.map((facts) => facts.deal_id), now, CHANGE_REASONS.touchpointAdded);
  if (removed.length > 0) await markDealsPending(db, removed.map((facts) => facts.deal_id), now, CHANGE_REASONS.touchpointRemoved);
  await markFitInputsChanged(db, [...added, ...removed].map((facts) => facts.deal_id), now);
  await addTouchpointDayDeltas(db, touchpointDeltas(added, removed));
}

/**
 * The worker's step: takes up to 500 pending deals that no other transaction holds and
 * recomputes them in one transaction. Returns how many it took (0: nothing left for it).
 */
export async function drainPendingStep(ctx: DrainContext): Promise<number> {
  if (!(await hasPendingDeals(ctx.db))) return 0;
  return withCurrentFits(ctx, () =>
    ctx.db.transaction().execute(async (trx) => {
      await shareSetting(trx, ATTRIBUTION_SETTINGS_KEY);
      const taken = await takePendingDeals(trx, { limit: DEALS_PER_DRAIN, skipLocked: true });
      await recomputeDeals(trx, ctx, taken);
      return taken.length;
    }),
  );
}

/**
 * Before reading aggregates: finishes every pending deal, waiting for those another instance
 * is recomputing, and re-queues results a settings change raced (see `requeueOutdatedResults`).
 * Costs two indexed reads when nothing is pending.
 */
export async function finishPendingWork(ctx: DrainContext, onStep?: (taken: number) => void): Promise<void> {
  await requeueOutdatedResults(ctx);
  let after: string | undefined;
  while (await hasPendingDeals(ctx.db, after)) {
    const taken = await withCurrentFits(ctx, () =>
      ctx.db.transaction().execute(async (trx) => {
        await shareSetting(trx, ATTRIBUTION_SETTINGS_KEY);
        const ids = await takePendingDeals(trx, { after, limit: DEALS_PER_DRAIN, skipLocked: false });
        await recomputeDeals(trx, ctx, ids);
        return ids;
      }),
    );
    // The cursor only moves forward, so a stream of new writes cannot keep a reader here forever.
    if (taken.length === 0) return;
    onStep?.(taken.length);
    // A short step found every row after the cursor that was there when it ran (it waits for
    // held rows rather than passing over them), which includes every write acknowledged before
    // this read began: no need for one more look at the queue, a scan of its dead rows on a
    // PostgreSQL table not vacuumed since.
    if (taken.length < DEALS_PER_DRAIN) return;
    after = taken[taken.length - 1]!.deal_id;
  }
}

/** Before reading one deal's result: brings it up to date if a change to it is pending. */
export async function finishPendingDeal(ctx: DrainContext, dealId: string): Promise<void> {
  await withCurrentFits(ctx, () =>
    ctx.db.transaction().execute(async (trx) => {
      await shareSetting(trx, ATTRIBUTION_SETTINGS_KEY);
      const taken = await takePendingDealsById(trx, [dealId]);
      await recomputeDeals(trx, ctx, taken);
    }),
  );
}

/** Recomputes the deal now, whatever its state (`?recalculate=true`), after anyone else recomputing it. */
export async function recomputeDealNow(ctx: DrainContext, dealId: string): Promise<void> {
  await withCurrentFits(ctx, () =>
    ctx.db.transaction().execute(async (trx) => {
      await shareSetting(trx, ATTRIBUTION_SETTINGS_KEY);
      await markDealsPending(trx, [dealId], ctx.now(), CHANGE_REASONS.recalculated);
      await recomputeDeals(trx, ctx, await takePendingDealsById(trx, [dealId]));
    }),
  );
}

/**
 * Runs a recomputation; if it needed a fit that is missing or cut with another lookback window,
 * it rolled back, so fits now (outside any transaction) and runs it once more.
 */
async function withCurrentFits<T>(ctx: DrainContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof FitsOutdatedError)) throw error;
    await ensureCurrentFits(ctx);
    return run();
  }
}

/**
 * A deal recomputed while a settings change committed (PostgreSQL) can keep a result computed
 * under the old settings, and the change's own marking could not see it yet. Such results are
 * found by their settings revision and queued again.
 */
async function requeueOutdatedResults(ctx: DrainContext): Promise<void> {
  const settings = await readAttributionSettings(ctx.db, ctx.defaultModel);
  const fits = await ctx.fits.current(ctx.db);
  const fitVersions = Object.fromEntries(DATA_DRIVEN_MODELS.flatMap((model) => (fits[model] ? [[model, fits[model].head.version]] : [])));
  const outdated = await listOutdatedResultIds(ctx.db, {
    settingsModels: SETTINGS_DEPENDENT_MODELS,
    revision: settings.revision,
    lookbackRevision: settings.lookback_revision,
    fitVersions,
  });
  if (outdated.length > 0) await ctx.db.transaction().execute((trx) => markDealsPending(trx, outdated, ctx.now(), CHANGE_REASONS.settingsChanged));
}

async function hasPendingDeals(db: Db, after?: string): Promise<boolean> {
  let query = db.selectFrom('attribution_pending').select('deal_id');
  if (after !== undefined) query = query.where('deal_id', '>', after);
  return (await query.limit(1).executeTakeFirst()) !== undefined;
}

/** The propagation backlog, for metrics: how many deals wait, and how long the oldest has waited. */
export interface PendingWork {
  deals: number;
  /** 0 when nothing waits. */
  oldestAgeSeconds: number;
}

/** Reads the propagation backlog (one aggregate over the pending table). */
export async function readPendingWork(db: Db, now: number = Date.now()): Promise<PendingWork> {
  const { deals, oldestEnqueuedAt } = await countPendingDeals(db);
  return { deals, oldestAgeSeconds: oldestEnqueuedAt === null ? 0 : Math.max(0, (now - oldestEnqueuedAt) / 1000) };
}
