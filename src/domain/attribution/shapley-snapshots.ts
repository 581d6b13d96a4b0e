import { SetTallies } from './count-tables.js';
import type { FitCountsSnapshot } from './fit-counts.js';
import { snapshotPartnerIds } from './snapshot-partners.js';
import type { PackedShapleyFit } from './shapley-packed.js';

/**
 * `packShapleyFit(fitShapleyCounts(shapleyCountsOf(...snapshots), version))`, the same bytes once
 * stringified (tested), from the snapshots' integer tables, packed as it is made (no coalition
 * objects: every partner of a snapshot is on one of its coalitions, so its ids are the packed fit's): coalitions are merged by their members' ranks in id order and sorted
 * by comparing ranks, where the detour made and sorted a string key per coalition (200,000 of
 * them at full size). Comparing members one by one, a prefix first, is the order of the keys
 * (ids joined by a character below any id's).
 *
 * @example
 * JSON.stringify(fitPackedShapley([first.snapshot(), second.snapshot()], 12)); // what the service stores
 */
export function fitPackedShapley(snapshots: readonly FitCountsSnapshot[], version: number): PackedShapleyFit {
  const ids = snapshotPartnerIds(snapshots);
  const rankOf = new Map(ids.map((id, rank) => [id, rank]));
  const merged = new SetTallies();
  const ranks: number[] = [];
  let [wonDeals, lostDeals] = [0, 0];
  for (const snapshot of snapshots) {
    const rank = snapshot.partnerIds.map((id) => rankOf.get(id) as number);
    let at = 0;
    snapshot.coalitionSizes.forEach((size, c) => {
      ranks.length = 0;
      for (let m = at; m < at + size; m += 1) ranks.push(rank[snapshot.coalitionMembers[m] as number] as number);
      at += size;
      ranks.sort((a, b) => a - b);
      merged.tally(ranks, size, snapshot.coalitionWon[c] as number, snapshot.coalitionLost[c] as number);
    });
    wonDeals += snapshot.won;
    lostDeals += snapshot.lost;
  }
  const { starts, sizes, members } = merged;
  const order = Array.from({ length: merged.size }, (_, entry) => entry).sort((a, b) => {
    const [sizeA, sizeB, startA, startB] = [sizes[a] as number, sizes[b] as number, starts[a] as number, starts[b] as number];
    for (let m = 0; m < sizeA && m < sizeB; m += 1) {
      const difference = (members[startA + m] as number) - (members[startB + m] as number);
      if (difference !== 0) return difference;
    }
    return sizeA - sizeB;
  });
  const coalitionTable: number[] = [];
  for (const entry of order) {
    const [start, size] = [starts[entry] as number, sizes[entry] as number];
    coalitionTable.push(size);
    for (let m = start; m < start + size; m += 1) coalitionTable.push(members[m] as number);
    coalitionTable.push(merged.won[entry] as number, merged.lost[entry] as number);
  }
  return { model: 'shapley', version, wonDeals, lostDeals, partnerIds: ids, coalitionTable };
}
