import { allocate, allocateBasisPoints } from '../money.js';
import { byPayoutThenPartner } from '../ranking.js';
import type { Touchpoint, TouchpointType } from '../touchpoint.js';
import type { ModelName } from './models.js';
import type { AttributionOptions } from './options.js';
import { describeRoles } from './roles.js';
import { weighDeal } from './weigh-deal.js';
import type { AttributionDeal } from './weigher.js';

/** One partner's part of a deal. */
export interface PartnerShare {
  partnerId: string;
  /** Integer minor units; the shares' payouts sum exactly to the deal amount. */
  payoutMinor: number;
  /** Percentage × 100; the shares' basis points sum exactly to 10000. */
  basisPoints: number;
  /** How many of the deal's touchpoints are this partner's. */
  touchpoints: number;
  /** Distinct touchpoint types, heaviest role weight first (see `describeRoles`). */
  roles: TouchpointType[];
}

export interface AttributionOutcome {
  /** Every partner with a touchpoint, by payout descending, then partner id. */
  shares: PartnerShare[];
  /** Set when every weight was 0 and the partners shared equally instead. */
  fallback?: 'equal';
}

/**
 * Splits a won deal's amount among the partners that touched it, under `model`.
 * Payouts (minor units) and basis points are each allocated by largest remainder,
 * so they sum exactly to the amount and to 10000; ties go to the partner whose
 * first touchpoint came first. The result does not depend on the order of
 * `touchpoints`. Partners a model gives nothing (first-touch losers) are listed
 * with 0. Touchpoints outside `options.lookbackDays` count for nothing; if none
 * is left, there are no shares. `markov` and `shapley` need their fit in the
 * options (`markovFit`, `shapleyFit`).
 *
 * Throws `DomainError` for an invalid deal, touchpoint, option or model name,
 * or a missing fit.
 *
 * @example
 * attribute({ amountMinor: 5_000_000, closedAt }, [
 *   { partnerId: 'p1', type: 'referral', timestamp: t1, sequence: 1 },
 *   { partnerId: 'p1', type: 'closer', timestamp: t3, sequence: 3 },
 *   { partnerId: 'p2', type: 'demo', timestamp: t2, sequence: 2 },
 * ], 'role-based', DEFAULT_ATTRIBUTION_OPTIONS);
 * // → { shares: [
 * //   { partnerId: 'p1', payoutMinor: 4_000_000, basisPoints: 8000, touchpoints: 2, roles: ['closer', 'referral'] },
 * //   { partnerId: 'p2', payoutMinor: 1_000_000, basisPoints: 2000, touchpoints: 1, roles: ['demo'] } ] }
 */
export function attribute(
  deal: AttributionDeal,
  touchpoints: readonly Touchpoint[],
  model: ModelName,
  options: AttributionOptions,
): AttributionOutcome {
  const { counted, partners, weights, fallback } = weighDeal(deal, touchpoints, model, options);
  if (partners.length === 0) return { shares: [] };
  const typesByPartner = groupTypesByPartner(counted);
  const payouts = allocate(deal.amountMinor, weights);
  const basisPoints = allocateBasisPoints(weights);

  const shares = partners.map((partnerId, index): PartnerShare => {
    const types = typesByPartner.get(partnerId) ?? [];
    return {
      partnerId,
      payoutMinor: payouts[index] ?? 0,
      basisPoints: basisPoints[index] ?? 0,
      touchpoints: types.length,
      roles: describeRoles(types, options.roleWeights),
    };
  });
  shares.sort(byPayoutThenPartner);
  return fallback ? { shares, fallback: 'equal' } : { shares };
}

/** Each partner's touchpoint types (repeats kept), partners in order of first appearance. */
function groupTypesByPartner(ordered: readonly Touchpoint[]): Map<string, TouchpointType[]> {
  const grouped = new Map<string, TouchpointType[]>();
  for (const { partnerId, type } of ordered) {
    const types = grouped.get(partnerId);
    if (types === undefined) grouped.set(partnerId, [type]);
    else types.push(type);
  }
  return grouped;
}
