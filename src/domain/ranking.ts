/** A partner's payout on a deal or over a period, in minor units (a bigint for exact sums). */
export interface RankedPayout {
  partnerId: string;
  payoutMinor: number | bigint;
}

/**
 * The contract's one order for partners: payout descending, then partner id by code unit
 * (not by locale, so every engine and every client agrees). The comparators below apply it to
 * the shapes that carry a payout.
 */
export function comparePayoutThenPartner(aPayout: number | bigint, aPartner: string, bPayout: number | bigint, bPartner: string): number {
  if (aPayout > bPayout) return -1;
  if (aPayout < bPayout) return 1;
  return aPartner < bPartner ? -1 : aPartner > bPartner ? 1 : 0;
}

/** Over anything that carries a partner and its payout: ranked totals, a deal's shares and their explanations. */
export const byPayoutThenPartner = (a: RankedPayout, b: RankedPayout) =>
  comparePayoutThenPartner(a.payoutMinor, a.partnerId, b.payoutMinor, b.partnerId);

type PayoutRow = { payout: number | bigint; partner_id: string };

/** Over rows that name their fields as the tables do. */
export const byPayoutThenPartnerRow = (a: PayoutRow, b: PayoutRow) => comparePayoutThenPartner(a.payout, a.partner_id, b.payout, b.partner_id);

/**
 * The indexes of the first `limit` of `count` entries in the order `compare` gives (a total order
 * of indexes), in that order: the same as sorting every index and keeping the first `limit`, in
 * O(count · log limit) instead of O(count · log count). For a page of a long list (the first 1,000
 * of a fit's 268,000 transitions).
 *
 * @example
 * firstInOrder(5, 2, (a, b) => counts[b] - counts[a] || a - b); // the two largest counts' indexes, largest first
 */
export function firstInOrder(count: number, limit: number, compare: (a: number, b: number) => number): Uint32Array {
  const size = Math.max(0, Math.min(count, limit));
  // The best `size` entries so far as a heap whose root is the one that comes last.
  const heap = new Uint32Array(size);
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j] as number, heap[i] as number]);
  for (let entry = 0; entry < count && size > 0; entry += 1) {
    if (entry < size) {
      heap[entry] = entry;
      for (let child = entry; child > 0; ) {
        const parent = (child - 1) >> 1;
        if (compare(heap[parent] as number, heap[child] as number) >= 0) break;
        swap(parent, child);
        child = parent;
      }
    } else if (compare(entry, heap[0] as number) < 0) {
      heap[0] = entry;
      for (let parent = 0; ; ) {
        const [left, right] = [2 * parent + 1, 2 * parent + 2];
        let last = parent;
        if (left < size && compare(heap[left] as number, heap[last] as number) > 0) last = left;
        if (right < size && compare(heap[right] as number, heap[last] as number) > 0) last = right;
        if (last === parent) break;
        swap(parent, last);
        parent = last;
      }
    }
  }
  return heap.sort(compare);
}
