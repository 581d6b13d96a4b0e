import { DomainError } from '../errors.js';
import type { DataDrivenModel } from './models.js';
import type { PartnerWeigher } from './weigher.js';

/**
 * The seam for `markov` and `shapley`: their fitter (outside this per-deal math)
 * computes one weight per partner over all won and lost deals, and passes it as
 * `options.partnerWeights`. A partner the fit has never seen weighs 0; if every
 * partner on the deal does, `attribute` falls back to equal shares.
 *
 * @example
 * const weigh = fittedWeights('markov');
 * // options.partnerWeights = new Map([['p1', 0.6], ['p2', 0.2]]) → [0.6, 0.2]
 */
export function fittedWeights(model: DataDrivenModel): PartnerWeigher {
  return ({ partners, options }) => {
    const fitted = options.partnerWeights;
    if (fitted === undefined) {
      throw new DomainError('model_not_fitted', `${model} needs options.partnerWeights from a fitted model`);
    }
    return partners.map((partnerId) => fitted.get(partnerId) ?? 0);
  };
}
