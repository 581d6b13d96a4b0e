import { notFound } from '../errors.js';
import type { Principal } from '../services/api-keys.js';

/**
 * A partner-bound key sees only its own partner: any other partner id does not exist for it.
 * @example ownPartnerOnly({ partnerId: 'p1', … }, 'p2') // throws not_found
 */
export function ownPartnerOnly(principal: Principal | null, partnerId: string): string {
  if (principal?.partnerId && principal.partnerId !== partnerId) throw notFound('Partner', partnerId);
  return partnerId;
}
