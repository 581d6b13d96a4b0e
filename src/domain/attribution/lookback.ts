import type { Touchpoint } from '../touchpoint.js';

export const MS_PER_DAY = 86_400_000;

/**
 * Whether a touchpoint counts under a lookback window: it is at most
 * `lookbackDays` days before the close (touchpoints after the close always
 * count). `null` or `undefined`: no window.
 *
 * @example
 * isWithinLookback(closedAt, closedAt - 30 * MS_PER_DAY, 30); // true (exactly 30 days)
 * isWithinLookback(closedAt, closedAt - 31 * MS_PER_DAY, 30); // false
 */
export function isWithinLookback(closedAt: number, timestamp: number, lookbackDays: number | null | undefined): boolean {
  if (lookbackDays === null || lookbackDays === undefined) return true;
  return closedAt - timestamp <= lookbackDays * MS_PER_DAY;
}

/**
 * Splits touchpoints into those the window keeps and those it leaves out, each in input order.
 *
 * @example
 * splitByLookback(closedAt, touchpoints, 90); // { inside: [...], outside: [...] }
 */
export function splitByLookback<T extends Touchpoint>(
  closedAt: number,
  touchpoints: readonly T[],
  lookbackDays: number | null | undefined,
): { inside: T[]; outside: T[] } {
  const inside: T[] = [];
  const outside: T[] = [];
  for (const touchpoint of touchpoints) {
    (isWithinLookback(closedAt, touchpoint.timestamp, lookbackDays) ? inside : outside).push(touchpoint);
  }
  return { inside, outside };
}
