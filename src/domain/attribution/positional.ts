import { sumByPartner, type PartnerWeigher } from './weigher.js';

/**
 * `first-touch`: everything to the partner of the earliest touchpoint; equal
 * timestamps go to the one recorded first (lowest sequence).
 *
 * @example
 * // ordered touchpoints p2, p1, p2 → p2 gets 1, p1 gets 0
 */
export const firstTouchWeights: PartnerWeigher = (input) =>
  sumByPartner(
    input,
    input.touchpoints.map((_, index) => (index === 0 ? 1 : 0)),
  );

/**
 * `last-touch`: everything to the partner of the latest touchpoint; equal
 * timestamps go to the one recorded last (highest sequence).
 *
 * @example
 * // ordered touchpoints p2, p1, p2, p1 → p1 gets 1
 */
export const lastTouchWeights: PartnerWeigher = (input) => {
  const last = input.touchpoints.length - 1;
  return sumByPartner(
    input,
    input.touchpoints.map((_, index) => (index === last ? 1 : 0)),
  );
};

/**
 * `position-based`: 40 % to the first touchpoint, 40 % to the last, 20 % shared
 * by those between; one touchpoint takes 100 %, two take 50 % each.
 *
 * @example
 * positionWeights(3); // [2, 1, 2] → 40 %, 20 %, 40 %
 */
export const positionBasedWeights: PartnerWeigher = (input) =>
  sumByPartner(input, positionWeights(input.touchpoints.length));

/**
 * Integer weights per position, so the 40/20/40 split stays exact: with n ≥ 3
 * the ends get 2(n−2) each and every middle touchpoint 1, a total of 5(n−2).
 *
 * @example
 * positionWeights(5); // [6, 1, 1, 1, 6]
 */
export function positionWeights(count: number): number[] {
  if (count <= 2) return Array.from({ length: count }, () => 1);
  const end = 2 * (count - 2);
  return Array.from({ length: count }, (_, index) => (index === 0 || index === count - 1 ? end : 1));
}
