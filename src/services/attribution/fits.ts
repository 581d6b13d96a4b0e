import {
  countMarkovPath,
  countShapleyPath,
  dealPath,
  DATA_DRIVEN_MODELS,
  emptyMarkovCounts,
  emptyShapleyCounts,
  fitMarkovCounts,
  fitShapleyCounts,
} from '../../domain/attribution/index.js';
import {
  claimFitChanges,
  clearClaimedFitChanges,
  listFitHeads,
  lockFits,
  oldestFitChange,
  storeNextFit,
} from '../../storage/attribution-fits.js';
import { CHANGE_REASONS } from '../../domain/payouts/adjustments.js';
import { markResultsOfModelsPending } from '../../storage/attribution-pending.js';
import { streamFitInputs } from '../../storage/fit-inputs.js';
import type { ServiceContext } from '../context.js';
import { toTouchpoint } from './compute.js';
import type { CurrentFits } from './fit-cache.js';
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
  // The fits before the changes: a refit stores its fits and clears the changes it saw in one
  // transaction, so read in this order a refit that just ended never looks due again.
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
 * Fits both models over every won and lost deal, streamed a page at a time, and stores them as
 * their next version. Changes recorded before the refit started are cleared; those recorded
 * during it wait for the next refit. Every stored data-driven result is then marked pending:
 * the worker (or a reader first) brings it to the new fit.
 */
export async function refitModels(ctx: FitContext): Promise<{ markov: number; shapley: number }> {
  await ctx.db.transaction().execute((trx) => claimFitChanges(trx));
  const { lookback_days } = await readAttributionSettings(ctx.db, ctx.defaultModel);
  const markovCounts = emptyMarkovCounts();
  const shapleyCounts = emptyShapleyCounts();
  for await (const page of streamFitInputs(ctx.db)) {
    for (const deal of page) {
      const path = dealPath({ closedAt: deal.closed_at, won: deal.won }, deal.touchpoints.map(toTouchpoint), lookback_days);
      countMarkovPath(markovCounts, path);
      countShapleyPath(shapleyCounts, path);
    }
  }
  return ctx.db.transaction().execute(async (trx) => {
    await lockFits(trx);
    const heads = new Map((await listFitHeads(trx)).map((head) => [head.model, head.version]));
    const now = ctx.now();
    const markov = fitMarkovCounts(markovCounts, (heads.get('markov') ?? 0) + 1);
    const shapley = fitShapleyCounts(shapleyCounts, (heads.get('shapley') ?? 0) + 1);
    for (const fit of [markov, shapley]) {
      await storeNextFit(trx, {
        model: fit.model,
        version: fit.version,
        fitted_at: now,
        lookback_days,
        won_deals: fit.wonDeals,
        lost_deals: fit.lostDeals,
        fit_json: JSON.stringify(fit),
      });
    }
    await clearClaimedFitChanges(trx);
    await markResultsOfModelsPending(trx, DATA_DRIVEN_MODELS, now, CHANGE_REASONS.modelRefitted);
    return { markov: markov.version, shapley: shapley.version };
  });
}
