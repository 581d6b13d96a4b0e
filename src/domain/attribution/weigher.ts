import type { Touchpoint } from '../touchpoint.js';
import type { AttributionOptions } from './options.js';

/** What attribution needs to know about a deal. */
export interface AttributionDeal {
  /** Integer minor units, > 0. */
  amountMinor: number;
  /** Epoch milliseconds. */
  closedAt: number;
}

/** Everything a model may look at, already validated and put in canonical order. */
export interface WeighingInput {
  deal: AttributionDeal;
  /** The deal's touchpoints by (timestamp, sequence). */
  touchpoints: readonly Touchpoint[];
  /** Distinct partner ids, ordered by their first touchpoint. */
  partners: readonly string[];
  options: AttributionOptions;
}

/**
 * A model: one finite weight ≥ 0 per entry of `input.partners`, in that order.
 * Shares are weight over the sum; `attribute` handles the all-zero fallback.
 */
export type PartnerWeigher = (input: WeighingInput) => number[];

/**
 * Adds per-touchpoint weights up per partner. Summing in canonical touchpoint
 * order keeps float results independent of the order touchpoints arrived in.
 *
 * @example
 * // touchpoints of p1, p2, p1 with weights 1, 2, 3 → [4, 2] for partners [p1, p2]
 * sumByPartner(input, [1, 2, 3]);
 */
export function sumByPartner(input: WeighingInput, touchpointWeights: readonly number[]): number[] {
  const position = new Map(input.partners.map((partnerId, index) => [partnerId, index]));
  const totals = input.partners.map(() => 0);
  input.touchpoints.forEach((touchpoint, index) => {
    const at = position.get(touchpoint.partnerId);
    if (at !== undefined) totals[at] = (totals[at] ?? 0) + (touchpointWeights[index] ?? 0);
  });
  return totals;
}
