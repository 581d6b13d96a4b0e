import { DomainError } from '../errors.js';
import { toFittedWeight } from './fitted-weight.js';
import type { MarkovWeights } from './markov.js';
import type { AttributionOptions } from './options.js';
import { shapleyValues, type ShapleyFit } from './shapley.js';
import type { PartnerWeigher } from './weigher.js';

/**
 * `markov`: each partner weighs its removal effect in `options.markovFit`, as
 * the fit's integer weight (10⁻⁹ units). A partner the fit has never seen
 * weighs 0; if every partner on the deal does, `attribute` falls back to equal shares.
 *
 * @example
 * // fit: a removal effect 0.75, b 0.25 → partners [a, b, c] weigh [750000000, 250000000, 0]
 */
export const markovWeights: PartnerWeigher = ({ partners, options }) => {
  const weights = markovWeightIndex(requireFit(options, 'markov'));
  return partners.map((partnerId) => weights.get(partnerId) ?? 0);
};

/**
 * `shapley`: each partner's Shapley value over exactly the deal's partners
 * (`shapleyValues`), as an integer weight (10⁻⁹ units); negative values count as 0.
 *
 * @example
 * // fit: {a} won 3 of 4, {a, b} won 1 of 1 → partners [a, b] weigh [875000000, 125000000]
 */
export const shapleyWeights: PartnerWeigher = ({ partners, options }) =>
  shapleyValues(requireFit(options, 'shapley'), partners).map(toFittedWeight);

/** A fit's removal effect per partner id, as integer weights. */
export function markovWeightIndex(fit: MarkovWeights): ReadonlyMap<string, number> {
  let index = markovIndexes.get(fit);
  if (index === undefined) {
    index = new Map(fit.partners.map((partner) => [partner.partnerId, partner.weight]));
    markovIndexes.set(fit, index);
  }
  return index;
}

// One index per fit object; fits are not changed once made.
const markovIndexes = new WeakMap<MarkovWeights, Map<string, number>>();

export function requireFit(options: AttributionOptions, model: 'markov'): MarkovWeights;
export function requireFit(options: AttributionOptions, model: 'shapley'): ShapleyFit;
/** The fit a data-driven model needs; `DomainError('model_not_fitted')` without it. */
export function requireFit(options: AttributionOptions, model: 'markov' | 'shapley'): MarkovWeights | ShapleyFit {
  const fit = model === 'markov' ? options.markovFit : options.shapleyFit;
  if (fit === undefined) {
    throw new DomainError('model_not_fitted', `${model} needs options.${model}Fit from a fit over won and lost deals`);
  }
  return fit;
}
