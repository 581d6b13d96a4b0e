import type { TouchpointType } from '../touchpoint.js';
import type { PartnerWeigher } from './weigher.js';

/**
 * `role-based`: the sum of the role weights of the distinct touchpoint types a
 * partner has on the deal; repeating a type adds nothing.
 *
 * @example
 * // p1: referral + closer + closer, p2: demo, default weights → [60, 15]
 */
export const roleBasedWeights: PartnerWeigher = ({ touchpoints, partners, options }) => {
  const typesByPartner = new Map<string, Set<TouchpointType>>(partners.map((id) => [id, new Set()]));
  for (const touchpoint of touchpoints) typesByPartner.get(touchpoint.partnerId)?.add(touchpoint.type);
  return partners.map((partnerId) =>
    [...(typesByPartner.get(partnerId) ?? [])].reduce((sum, type) => sum + options.roleWeights[type], 0),
  );
};
