import { sumByPartner, type PartnerWeigher } from './weigher.js';

/**
 * `equal`: 1 for each distinct partner with a touchpoint on the deal.
 *
 * @example
 * // partners [p1, p2, p3] → [1, 1, 1]
 */
export const equalWeights: PartnerWeigher = ({ partners }) => partners.map(() => 1);

/**
 * `linear`: 1 for each touchpoint, so a partner with 3 of 4 touchpoints gets 75 %.
 *
 * @example
 * // touchpoints p1, p2, p1, p1 → [3, 1]
 */
export const linearWeights: PartnerWeigher = (input) =>
  sumByPartner(
    input,
    input.touchpoints.map(() => 1),
  );
