import { orderTouchpoints, type Touchpoint } from '../touchpoint.js';
import { splitByLookback } from './lookback.js';

/**
 * One deal as the data-driven fits see it: its partners in touchpoint order
 * (repeats kept), and whether it was won. Build it with `dealPath`, which
 * applies the lookback window.
 */
export interface PartnerPath {
  partners: readonly string[];
  won: boolean;
}

/**
 * The partners with each run of consecutive repeats as one: `a,a,b,a` becomes `a,b,a`. Both fits
 * count the same from either (a first-order chain's self-loop changes no removal effect, and a
 * coalition is a set), so the path a refit reads is stored this way: at the benchmark's data,
 * half the partners and half the text of the paths as recorded.
 *
 * @example
 * collapseRepeats(['a', 'a', 'b', 'a']); // ['a', 'b', 'a']
 */
export function collapseRepeats(partners: readonly string[]): string[] {
  return partners.filter((partner, i) => i === 0 || partner !== partners[i - 1]);
}

/** Code-unit order, the same on every machine and engine (unlike localeCompare). */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A path's distinct partners, sorted by id: the coalition the Shapley fit counts.
 *
 * @example
 * coalitionOf(['b', 'a', 'b']); // ['a', 'b']
 */
export function coalitionOf(partners: Iterable<string>): string[] {
  return [...new Set(partners)].sort(compareIds);
}

/**
 * A coalition's key: its sorted ids joined by a character no partner id holds
 * (ids are letters, digits and `_ - . :`; the domain never splits a key).
 *
 * @example
 * coalitionKey(['a', 'b']); // 'a\u0000b'
 */
export function coalitionKey(sortedPartners: readonly string[]): string {
  return sortedPartners.join('\u0000');
}

/**
 * A deal as a fit input: the partners of its touchpoints inside the lookback
 * window, in the models' one order (timestamp, then recording sequence).
 * A deal with no touchpoint in the window has an empty path, which the fits skip.
 *
 * @example
 * dealPath({ closedAt, won: true }, touchpoints, 90); // { partners: ['p2', 'p1', 'p1'], won: true }
 */
export function dealPath(
  deal: { closedAt: number; won: boolean },
  touchpoints: readonly Touchpoint[],
  lookbackDays: number | null | undefined,
): PartnerPath {
  const { inside } = splitByLookback(deal.closedAt, touchpoints, lookbackDays);
  return { partners: orderTouchpoints(inside).map((touchpoint) => touchpoint.partnerId), won: deal.won };
}
