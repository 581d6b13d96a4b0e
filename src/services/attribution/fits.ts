import { DATA_DRIVEN_MODELS, type FitCountsSnapshot, type PackedMarkovFit } from '../../domain/attribution/index.js';
import {
  claimFitChanges,
  clearClaimedFitChanges,
  listFitHeads,
  lockFits,
  oldestFitChange,
  storeNextFit,
  type FitHead,
} from '../../storage/attribution-fits.js';
import { CHANGE_REASONS } from '../../domain/payouts/adjustments.js';
import { markResultsOfModelsPending } from '../../storage/attribution-pending.js';
import { databaseOptionsOf } from '../../storage/db.js';
import type { AttributionFitsTable } from '../../storage/schema.js';
import { compileFitInputPages, middleDealId, streamFitInputs } from '../../storage/fit-inputs.js';
import type { ServiceContext } from '../context.js';
import type { CurrentFits } from './fit-cache.js';
import { countFitInputPages, fitWindowMs } from './fit-input-counts.js';
import { countOnThreads, fitOnThreads, prepareFitThreads } from './fit-thread.js';
import { readAttributionSettings } from './settings-values.js';

/**
 * The data-driven fits as a service (docs/models.md, "Wiring the fits into the service"): one
 * stored fit per model, versioned, refitted in the background when the data it read changed
 * (`attribution_fit_pending`), and at once when there is none or the lookback window moved.
 */

/** What fitting needs from the service context. */
export type FitContext = Pick<ServiceContext, 'db' | 'now' | 'defaultModel' | 'fits'>;

/** Whether both fits exist and were cut with the settings' lookback window. */
export function fitsMatch(fits: CurrentFits, lookbackDays: number | null): boolean {
  return DATA_DRIVEN_MODELS.every((model) => fits[model] !== undefined && fits[model].head.lookback_days === lookbackDays);
}

/**
 * The current fits, fitted now if there are none yet or the lookback window changed since:
 * a data-driven answer is never computed with a fit the settings no longer describe.
 */
export async function ensureCurrentFits(ctx: FitContext): Promise<CurrentFits> {
  const fits = await ctx.fits.current(ctx.db);
  const { lookback_days } = await readAttributionSettings(ctx.db, ctx.defaultModel);
  if (fitsMatch(fits, lookback_days)) return fits;
  await refitModels(ctx);
  return ctx.fits.current(ctx.db);
}

/**
 * The worker's refit step: refits when the settings' lookback window moved, or when data changed
 * and the last fit is at least `minIntervalMs` old. Returns whether it refitted.
 */
export async function refitIfDue(ctx: FitContext, minIntervalMs: number): Promise<boolean> {
  // The fits before the changes: a refit clears the changes it saw right after storing its fits, so
  // read in this order a refit that just ended looks due again only in that moment, and only
  // when `minIntervalMs` is shorter than it (tests): one refit more, never one fewer.
  const fits = await ctx.fits.current(ctx.db);
  // Never fitted: nobody has asked for a data-driven answer yet, and the first one fits on demand.
  if (fits.markov === undefined && fits.shapley === undefined) return false;
  const oldest = await oldestFitChange(ctx.db);
  const { lookback_days } = await readAttributionSettings(ctx.db, ctx.defaultModel);
  const lastFit = Math.min(...DATA_DRIVEN_MODELS.map((model) => fits[model]?.head.fitted_at ?? 0));
  const due = !fitsMatch(fits, lookback_days) || (oldest !== undefined && ctx.now() - lastFit >= minIntervalMs);
  if (!due) return false;
  await refitModels(ctx);
  return true;
}

/**
 * Fits both models over every won and lost deal, streamed a page at a time (each half of the
 * deals on a thread of its own), and stores them as
 * their next version. Changes recorded before the refit started (claimed: numbered up to the
 * claim) are cleared; those recorded during it wait for the next refit. Every stored data-driven
 * result is then marked pending: the worker (or a reader first) brings it to the new fit.
 */
export async function refitModels(ctx: FitContext): Promise<{ markov: number; shapley: number }> {
  prepareFitThreads();
  const claimed = await claimFitChanges(ctx.db);
  const { lookback_days } = await readAttributionSettings(ctx.db, ctx.defaultModel);
  const counts = await countAllFitInputs(ctx, lookback_days);
  // The math runs on the fit thread, outside the store transaction (which on SQLite holds the one
  // connection), labelled with the versions it will most likely get.
  const expected = nextVersions(await listFitHeads(ctx.db));
  const fitted = await fitOnThreads(counts, expected);
  const stored: { row: AttributionFitsTable; parsed: PackedMarkovFit | undefined }[] = [];
  const versions = await ctx.db.transaction().execute(async (trx) => {
    await lockFits(trx);
    // Another instance may have stored a refit meanwhile: then this one is the version after it.
    const next = nextVersions(await listFitHeads(trx));
    const now = ctx.now();
    for (const model of DATA_DRIVEN_MODELS) {
      const fit = fitted[model];
      const row = {
        model,
        version: next[model],
        fitted_at: now,
        lookback_days,
        won_deals: fit.wonDeals,
        lost_deals: fit.lostDeals,
        fit_json: next[model] === expected[model] ? fit.json : relabel(fit.json, next[model]),
      };
      await storeNextFit(trx, row);
      // The thread's parsed fit carries the expected version: of no use under another.
      stored.push({ row, parsed: next[model] === expected[model] ? fit.fit : undefined });
    }
    await markResultsOfModelsPending(trx, DATA_DRIVEN_MODELS, now, CHANGE_REASONS.modelRefitted);
    return next;
  });
  // After the store: a crash in between leaves the claimed changes queued, and costs one more refit.
  await clearClaimedFitChanges(ctx.db, claimed);
  // Committed: this instance's readers use the fits as stored, without reading the megabytes back.
  for (const { row: { fit_json, ...head }, parsed } of stored) ctx.fits.remember(head, fit_json, parsed);
  return versions;
}

function nextVersions(heads: readonly FitHead[]): { markov: number; shapley: number } {
  const current = new Map(heads.map((head) => [head.model, head.version]));
  return { markov: (current.get('markov') ?? 0) + 1, shapley: (current.get('shapley') ?? 0) + 1 };
}

/** A fit's JSON with another version label (rare: two instances refitted at once). */
function relabel(json: string, version: number): string {
  return JSON.stringify({ ...(JSON.parse(json) as object), version });
}

/**
 * Every deal's path counted, by the two fit threads at once, each reading half of the deals
 * through a connection of its own (read and count are two thirds of a refit, and one thread did
 * them at one core); for an in-memory SQLite database, which no other connection sees, here, page
 * by page. Either way every change claimed before this began is read: the threads start reading after it.
 */
async function countAllFitInputs(ctx: FitContext, lookbackDays: number | null): Promise<FitCountsSnapshot[]> {
  const database = databaseOptionsOf(ctx.db);
  const middle = database === undefined ? undefined : await middleDealId(ctx.db);
  const windowMs = fitWindowMs(lookbackDays);
  if (database === undefined || middle === undefined) return [await countFitInputPages(streamFitInputs(ctx.db, windowMs))];
  return countOnThreads(database, [compileFitInputPages(ctx.db, windowMs, { through: middle }), compileFitInputPages(ctx.db, windowMs, { after: middle })]);
}
