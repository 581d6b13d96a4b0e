import type { Touchpoint } from '../touchpoint.js';
import { sumByPartner, type PartnerWeigher } from './weigher.js';

const MS_PER_DAY = 86_400_000;

/**
 * `time-decay`: each touchpoint weighs `2^(-age / half_life)` with
 * `age = max(0, closedAt - timestamp)`.
 *
 * Weights are taken relative to the youngest touchpoint (`2^(-(age - minAge) / h)`):
 * the ratios are the same, but a deal closed years after its touchpoints does not
 * underflow every weight to 0.
 *
 * @example
 * // half-life 7 days, ages 0 and 7 days → [1, 0.5]
 */
export const timeDecayWeights: PartnerWeigher = (input) =>
  sumByPartner(input, decayTouchpoints(input.deal.closedAt, input.touchpoints, input.options.halfLifeDays).weights);

export interface DecayedTouchpoints {
  /** Per touchpoint, `max(0, closedAt - timestamp)` in ms. */
  ages: number[];
  /** The smallest age, the one the weights are measured from. */
  youngest: number;
  /** Per touchpoint, `2^(-(age - youngest) / half-life)`. */
  weights: number[];
}

/**
 * Each touchpoint's age and decayed weight, as `time-decay` (and its explanation) uses them.
 *
 * @example
 * decayTouchpoints(closedAt, [at(closedAt - 7 * DAY), at(closedAt)], 7).weights; // [0.5, 1]
 */
export function decayTouchpoints(
  closedAt: number,
  touchpoints: readonly Touchpoint[],
  halfLifeDays: number,
): DecayedTouchpoints {
  const halfLifeMs = halfLifeDays * MS_PER_DAY;
  const ages = touchpoints.map((touchpoint) => Math.max(0, closedAt - touchpoint.timestamp));
  const youngest = ages.reduce((min, age) => Math.min(min, age), Infinity);
  return { ages, youngest, weights: ages.map((age) => 2 ** (-(age - youngest) / halfLifeMs)) };
}
