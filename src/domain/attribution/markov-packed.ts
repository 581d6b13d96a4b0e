import { solveAbsorbingChain } from './absorbing-chain.js';
import type { FitCountsSnapshot } from './fit-counts.js';
import { toFittedWeight } from './fitted-weight.js';
import { removalEffectOf, type MarkovPartner, type PackedMarkovFit } from './markov.js';
import { compareIds } from './partner-path.js';
import type { SharedPart, SharedSimdWorkspace } from './simd-workspace.js';

/**
 * `packMarkovFit(fitMarkovCounts(markovCountsOf(...snapshots), version, shareWork))`, the same
 * bytes once stringified (tested), fitted from the snapshots' integer tables without the string
 * maps and transition objects in between: 268,000 transitions at 2,000 partners made that detour
 * about a second of CPU and its garbage, on the refit's longest thread. Counts are integer sums
 * and each row's probabilities the same divisions, so the chain and its solve are the same bits.
 *
 * @example
 * JSON.stringify(fitPackedMarkov([first.snapshot(), second.snapshot()], 12)); // what the service stores
 */
export function fitPackedMarkov(
  snapshots: readonly FitCountsSnapshot[],
  version: number,
  shareWork?: (work: SharedSimdWorkspace, part: SharedPart) => void,
): PackedMarkovFit {
  const ids = [...new Set(snapshots.flatMap((snapshot) => snapshot.partnerIds))].sort(compareIds);
  const n = ids.length;
  const index = new Map(ids.map((id, i) => [id, i]));
  const paths = new Float64Array(n);
  let [wonDeals, lostDeals] = [0, 0];
  // Each edge by one number: row (0 start, i + 1 partner i) · (n + 2) + column (partner i as i,
  // won n, lost n + 1), so ascending keys are the fit's order: start's edges first, then each
  // partner's in id order; targets by id, then won, then lost.
  const width = n + 2;
  const counts = new Map<number, number>();
  for (const snapshot of snapshots) {
    const global = snapshot.partnerIds.map((id) => index.get(id) as number);
    global.forEach((partner, local) => (paths[partner] = (paths[partner] as number) + (snapshot.pathsPerPartner[local] as number)));
    const table = snapshot.transitions;
    for (let at = 0; at < table.length; at += 3) {
      const [source, target] = [table[at] as number, table[at + 1] as number];
      const row = source === 0 ? 0 : (global[source - 1] as number) + 1;
      // Snapshot targets: 0 won, 1 lost, i + 2 partner i.
      const column = target === 0 ? n : target === 1 ? n + 1 : (global[target - 2] as number);
      const key = row * width + column;
      counts.set(key, (counts.get(key) ?? 0) + (table[at + 2] as number));
    }
    wonDeals += snapshot.won;
    lostDeals += snapshot.lost;
  }
  const keys = Float64Array.from(counts.keys()).sort();
  const totals = new Float64Array(n + 1);
  for (const [key, count] of counts) {
    const row = Math.floor(key / width);
    totals[row] = (totals[row] as number) + count;
  }

  const transient = ids.map(() => new Float64Array(n));
  const toWon = new Float64Array(n);
  const start = new Float64Array(n);
  const transitionTable: number[] = new Array<number>(3 * keys.length);
  keys.forEach((key, k) => {
    const row = Math.floor(key / width);
    const column = key - row * width;
    const count = counts.get(key) as number;
    const probability = count / (totals[row] as number);
    if (column < n) (row === 0 ? start : (transient[row - 1] as Float64Array))[column] = probability;
    else if (column === n && row > 0) toWon[row - 1] = probability;
    // The packed table's codes: from −1 is start; to −1 is won, −2 lost.
    transitionTable[3 * k] = row - 1;
    transitionTable[3 * k + 1] = column < n ? column : column === n ? -1 : -2;
    transitionTable[3 * k + 2] = count;
  });

  const solution = n === 0 ? undefined : solveAbsorbingChain({ size: n, transient, toWon, start }, shareWork);
  const conversion = solution?.conversion ?? 0;
  const partners = ids.map((partnerId, i): MarkovPartner => {
    const removalEffect = removalEffectOf(solution, i);
    return { partnerId, removalEffect, weight: toFittedWeight(removalEffect), paths: paths[i] as number };
  });
  return { model: 'markov', version, wonDeals, lostDeals, conversion, partners, transitionTable };
}
