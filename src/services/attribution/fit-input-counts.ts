// By module, not through the index: the fit threads load this (see fit-thread-worker.ts).
import { FitCounts, type FitCountsSnapshot } from '../../domain/attribution/fit-counts.js';
import { MS_PER_DAY } from '../../domain/attribution/lookback.js';

/**
 * The paths of the pages (each page's text as `streamFitInputs` reads it) counted for both fits,
 * page by page, as a snapshot (the counting maps are garbage once it is taken). Each deal's path
 * is what `dealPath` gives for its touchpoints and the window. Runs in the service and on the fit
 * threads (which load no Kysely: only this and the driver).
 */
export async function countFitInputPages(pages: AsyncIterable<string>): Promise<FitCountsSnapshot> {
  const counts = new FitCounts();
  for await (const paths of pages) counts.addPathLines(paths);
  return counts.snapshot();
}

/** The lookback window as the fits' read applies it: isWithinLookback's `closedAt − timestamp ≤ days · MS_PER_DAY`, for integer times the same as ≤ its floor. */
export function fitWindowMs(lookbackDays: number | null): number | null {
  return lookbackDays === null ? null : Math.floor(lookbackDays * MS_PER_DAY);
}
