import { DomainError } from './errors.js';

export const TOUCHPOINT_TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'] as const;

export type TouchpointType = (typeof TOUCHPOINT_TYPES)[number];

/** One partner interaction on a deal, as the attribution models see it. */
export interface Touchpoint {
  partnerId: string;
  type: TouchpointType;
  /** When it happened, epoch milliseconds. */
  timestamp: number;
  /** Recording order: unique per deal, increasing as touchpoints are recorded. */
  sequence: number;
}

/**
 * Whether `value` is a time JavaScript's Date can hold (±8.64e15 ms), so
 * differences between two of them stay finite.
 *
 * @example
 * isEpochMillis(Date.parse('2024-01-15T10:00:00Z')); // true
 * isEpochMillis(Infinity); // false
 */
export function isEpochMillis(value: number): boolean {
  return Number.isFinite(value) && Math.abs(value) <= 8.64e15;
}

/**
 * Narrows a string to a touchpoint type.
 *
 * @example
 * isTouchpointType('demo'); // true
 * isTouchpointType('Demo'); // false
 */
export function isTouchpointType(value: string): value is TouchpointType {
  return (TOUCHPOINT_TYPES as readonly string[]).includes(value);
}

/**
 * The one order every model uses: by timestamp, then by recording sequence.
 *
 * @example
 * [b, a].sort(compareTouchpoints); // a first if a.timestamp < b.timestamp
 */
export function compareTouchpoints(a: Touchpoint, b: Touchpoint): number {
  return a.timestamp - b.timestamp || a.sequence - b.sequence;
}

/**
 * A sorted copy of `touchpoints`, oldest first; equal timestamps keep recording order.
 *
 * @example
 * orderTouchpoints([{ ...tp, timestamp: 2 }, { ...tp, timestamp: 1 }]); // timestamp 1 first
 */
export function orderTouchpoints(touchpoints: readonly Touchpoint[]): Touchpoint[] {
  return [...touchpoints].sort(compareTouchpoints);
}

/**
 * Checks what the models rely on: a known type, a timestamp in the Date range,
 * and finite sequences unique within the deal (they break timestamp ties, so a
 * duplicate would make the result depend on input order).
 * Throws `DomainError('invalid_touchpoint')`.
 *
 * @example
 * assertTouchpoints(listForDeal); // throws if two share a sequence
 */
export function assertTouchpoints(touchpoints: readonly Touchpoint[]): void {
  const sequences = new Set<number>();
  for (const [index, touchpoint] of touchpoints.entries()) {
    const problem = touchpointProblem(touchpoint, sequences);
    if (problem !== undefined) {
      throw new DomainError('invalid_touchpoint', `touchpoint ${index}: ${problem}`);
    }
    sequences.add(touchpoint.sequence);
  }
}

function touchpointProblem(touchpoint: Touchpoint, seen: ReadonlySet<number>): string | undefined {
  if (typeof touchpoint.partnerId !== 'string') return 'partnerId must be a string';
  if (!isTouchpointType(touchpoint.type)) return `unknown type ${JSON.stringify(touchpoint.type)}`;
  if (!isEpochMillis(touchpoint.timestamp)) return 'timestamp must be epoch milliseconds within the Date range';
  if (!Number.isFinite(touchpoint.sequence)) return 'sequence must be a finite number';
  if (seen.has(touchpoint.sequence)) return `duplicate sequence ${touchpoint.sequence}`;
  return undefined;
}
