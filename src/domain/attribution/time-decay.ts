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
export const timeDecayWeights: PartnerWeigher = (input) => {
  const { deal, touchpoints, options } = input;
  const halfLifeMs = options.halfLifeDays * MS_PER_DAY;
  const ages = touchpoints.map((touchpoint) => Math.max(0, deal.closedAt - touchpoint.timestamp));
  const youngest = ages.reduce((min, age) => Math.min(min, age), Infinity);
  return sumByPartner(
    input,
    ages.map((age) => 2 ** (-(age - youngest) / halfLifeMs)),
  );
};
