import type { FitCountsSnapshot } from './fit-counts.js';
import { compareIds } from './partner-path.js';

/**
 * Every partner on the snapshots' paths, once, sorted by id: the fits' partners, in their order.
 *
 * @example
 * snapshotPartnerIds([first.snapshot(), second.snapshot()]); // ['p1', 'p2', …]
 */
export function snapshotPartnerIds(snapshots: readonly FitCountsSnapshot[]): string[] {
  return [...new Set(snapshots.flatMap((snapshot) => snapshot.partnerIds))].sort(compareIds);
}
