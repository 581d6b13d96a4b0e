import { solveAbsorbingChain, type ChainSolution } from './absorbing-chain.js';
import type { FitCountsSnapshot } from './fit-counts.js';
import { snapshotPartnerIds } from './snapshot-partners.js';
import { toFittedWeight } from './fitted-weight.js';
import { removalEffectOf, type MarkovPartner, type PackedMarkovFit } from './markov.js';
import type { SharedPart, SharedSimdWorkspace, SimdWorkspace } from './simd-workspace.js';

/**
 * `packMarkovFit(fitMarkovCounts(markovCountsOf(...snapshots), version, shareWork))`, the same
 * bytes once stringified (tested), fitted from the snapshots' integer tables without the string
 * maps and transition objects in between: 268,000 transitions at 2,000 partners made that detour
 * about a second of CPU and its garbage, on the refit's longest thread. Counts are integer sums
 * and each row's probabilities the same divisions, so the chain and its solve are the same bits.
 * `shareWork` and `workspace` as in `solveAbsorbingChain` (the workspace's size is the number of
 * partners on the snapshots, {@link snapshotPartnerIds}).
 *
 * @example
 * JSON.stringify(fitPackedMarkov([first.snapshot(), second.snapshot()], 12)); // what the service stores
 */
export function fitPackedMarkov(
  snapshots: readonly FitCountsSnapshot[],
  version: number,
  shareWork?: (work: SharedSimdWorkspace, part: SharedPart) => void,
  workspace?: SimdWorkspace,
): PackedMarkovFit {
  const ids = snapshotPartnerIds(snapshots);
  const n = ids.length;
  const index = new Map(ids.map((id, i) => [id, i]));
  const paths = new Float64Array(n);
  let [wonDeals, lostDeals] = [0, 0];
  const globals = snapshots.map((snapshot) => snapshot.partnerIds.map((id) => index.get(id) as number));
  snapshots.forEach((snapshot, s) => {
    (globals[s] as number[]).forEach((partner, local) => (paths[partner] = (paths[partner] as number) + (snapshot.pathsPerPartner[local] as number)));
    wonDeals += snapshot.won;
    lostDeals += snapshot.lost;
  });

  const [start, toWon] = [new Float64Array(n), new Float64Array(n)];
  // The packed table's codes: from −1 is start; to −1 is won, −2 lost. Edges in the fit's order:
  // start's first, then each partner's in id order; targets by id, then won, then lost.
  let transitionTable: number[] = [];
  // Counts straight into the chain's dense rows (row 0 start, row i + 1 partner i; column j
  // partner j), won and lost beside them, then turned into probabilities in place, the partners'
  // rows negated with 1 on the diagonal: the `I - Q` the solve factorises, in its own memory (32 MB
  // at 2,000 partners, neither copied nor passed over again), so this may run again if the solve
  // restarts. A map keyed by edge, sorted, cost about a fifth of the fit's CPU at 320,000 edges.
  // Counts are integers, so every row total is exact in any order, and each probability the same division.
  const writeMatrix = (matrix: Float64Array[]) => {
    start.fill(0);
    toWon.fill(0);
    transitionTable = [];
    const rowOf = (row: number) => (row === 0 ? start : (matrix[row - 1] as Float64Array));
    const [toWonCounts, toLostCounts, totals] = [new Float64Array(n + 1), new Float64Array(n + 1), new Float64Array(n + 1)];
    snapshots.forEach((snapshot, s) => {
      const global = globals[s] as number[];
      const counted = snapshot.transitions;
      // Plain loads, not `const [a, b, c] = [...]`: this loop runs once per refit, mostly before the
      // JIT optimises it, and there the destructuring makes an array per entry (about 15 ms of 400,000).
      for (let at = 0; at < counted.length; at += 3) {
        const source = counted[at] as number;
        const target = counted[at + 1] as number;
        const count = counted[at + 2] as number;
        const row = source === 0 ? 0 : (global[source - 1] as number) + 1;
        totals[row] = (totals[row] as number) + count;
        // Snapshot targets: 0 won, 1 lost, i + 2 partner i.
        if (target === 0) toWonCounts[row] = (toWonCounts[row] as number) + count;
        else if (target === 1) toLostCounts[row] = (toLostCounts[row] as number) + count;
        else {
          const cells = rowOf(row);
          const column = global[target - 2] as number;
          cells[column] = (cells[column] as number) + count;
        }
      }
    });
    for (let row = 0; row <= n; row += 1) {
      const cells = rowOf(row);
      const total = totals[row] as number;
      const sign = row === 0 ? 1 : -1;
      for (let column = 0; total > 0 && column < n; column += 1) {
        const count = cells[column] as number;
        if (count === 0) continue;
        transitionTable.push(row - 1, column, count);
        cells[column] = sign * (count / total);
      }
      const [won, lost] = [toWonCounts[row] as number, toLostCounts[row] as number];
      if (won > 0) {
        transitionTable.push(row - 1, -1, won);
        if (row > 0) toWon[row - 1] = won / total;
      }
      if (lost > 0) transitionTable.push(row - 1, -2, lost);
      if (row > 0) cells[row - 1] = 1; // no self-loops: the count there was 0
    }
  };

  let solution: ChainSolution | undefined;
  if (n > 0) solution = solveAbsorbingChain({ size: n, writeMatrix, toWon, start }, shareWork, workspace);
  else writeMatrix([]);
  const conversion = solution?.conversion ?? 0;
  const partners = ids.map((partnerId, i): MarkovPartner => {
    const removalEffect = removalEffectOf(solution, i);
    return { partnerId, removalEffect, weight: toFittedWeight(removalEffect), paths: paths[i] as number };
  });
  return { model: 'markov', version, wonDeals, lostDeals, conversion, partners, transitionTable };
}
