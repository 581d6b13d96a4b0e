import { randomBytes, randomUUID } from 'node:crypto';

/** A server-made id with a readable prefix, e.g. `par_3f2a…`. */
export const newId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '')}`;

let sequence = 0;

/**
 * An id that sorts in the order it was made (per instance; ids of one millisecond from two
 * instances interleave by their sequences), as long as `newId`'s: 12 hex digits of `now`, a 6-digit
 * sequence, 14 random digits. For rows written on every request (touchpoints, audit entries,
 * payout adjustments): a new id lands at the end of the id index, on a page already in memory,
 * where a random one lands on any of its pages; and a list "newest first" is a total order.
 *
 * @example newOrderedId('adj', Date.UTC(2024, 0, 1)) // 'adj_018cc251f400' + '000001' + 14 random digits
 */
export function newOrderedId(prefix: string, now: number): string {
  sequence = (sequence + 1) % 0x1000000;
  // Not a slice of a UUID: its 13th digit is always the version, 4.
  const random = randomBytes(7).toString('hex');
  return `${prefix}_${now.toString(16).padStart(12, '0')}${sequence.toString(16).padStart(6, '0')}${random}`;
}
