import { FitCounts, MS_PER_DAY, type FitCountsSnapshot } from '../../domain/attribution/index.js';
import type { Db } from '../../storage/db.js';
import { FIT_PATH_SEPARATOR, streamFitInputs, type DealRange } from '../../storage/fit-inputs.js';

/**
 * The deals of `range` (default all) counted for both fits, page by page, as a snapshot (the
 * counting maps are garbage once it is taken). Each deal's path is what `dealPath` gives for
 * its touchpoints and the window. Runs in the service and on the fit threads.
 */
export async function countFitInputs(db: Db, lookbackDays: number | null, range?: DealRange): Promise<FitCountsSnapshot> {
  // isWithinLookback's `closedAt − timestamp ≤ days · MS_PER_DAY`: for integer times the same as ≤ its floor.
  const windowMs = lookbackDays === null ? null : Math.floor(lookbackDays * MS_PER_DAY);
  const counts = new FitCounts();
  for await (const deals of streamFitInputs(db, windowMs, range)) {
    for (const [, won, path] of deals) counts.addJoinedPath(path, FIT_PATH_SEPARATOR, won === 1 || won === true);
  }
  return counts.snapshot();
}
