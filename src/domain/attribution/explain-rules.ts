import type { Touchpoint } from '../touchpoint.js';
import { formatFittedWeight } from './fitted-weight.js';
import { MS_PER_DAY } from './lookback.js';
import type { ModelName } from './models.js';
import { positionWeights } from './positional.js';
import { shapleyValues } from './shapley.js';
import { decayTouchpoints } from './time-decay.js';
import type { WeighingInput } from './weigher.js';

/** One touchpoint's weight under a model, and how it arose, in words. */
export interface TouchpointRule {
  weight: number;
  rule: string;
}

type RuleMaker = (input: WeighingInput, partnerWeights: readonly number[]) => TouchpointRule[];

/**
 * Each counted touchpoint's weight and rule under `model`, aligned with
 * `input.touchpoints`. A partner's touchpoint weights add up to its weight
 * (summed in touchpoint order, as the models sum them); models that weigh
 * partners, not touchpoints, put the partner's weight on its first touchpoint.
 *
 * @example
 * touchpointRules('position-based', input, [2, 1])
 * // → [{ weight: 2, rule: 'first of 3: 40%' }, { weight: 1, rule: 'between (2 of 3): 20%' }, ...]
 */
export function touchpointRules(model: ModelName, input: WeighingInput, partnerWeights: readonly number[]): TouchpointRule[] {
  return RULES[model](input, partnerWeights);
}

/**
 * The rules when every partner weighed 0: each partner's first touchpoint counts 1.
 *
 * @example
 * // markov, partners unknown to the fit → 'removal effect 0 …; every partner weighs 0, so each counts 1'
 */
export function fallbackRules(input: WeighingInput, modelRules: readonly TouchpointRule[]): TouchpointRule[] {
  const first = firstOfPartner(input.touchpoints);
  return modelRules.map(({ rule }, i) =>
    first[i]
      ? { weight: 1, rule: `${rule}; every partner weighs 0, so each partner counts 1` }
      : { weight: 0, rule: `${rule}; every partner weighs 0, so the partner counts once` },
  );
}

/**
 * Why a touchpoint outside the lookback window counts for nothing.
 *
 * @example
 * excludedRule(closedAt, touchpoint, 30); // 'outside the 30-day lookback window: 42 days before the close'
 */
export function excludedRule(closedAt: number, touchpoint: Touchpoint, lookbackDays: number): TouchpointRule {
  const days = formatNumber((closedAt - touchpoint.timestamp) / MS_PER_DAY, 2);
  return { weight: 0, rule: `outside the ${formatNumber(lookbackDays, 4)}-day lookback window: ${days} days before the close` };
}

/** At most `decimals` decimals, trailing zeros dropped: 3.5, 0.7071, 7. */
export function formatNumber(value: number, decimals: number): string {
  const fixed = value.toFixed(decimals);
  const trimmed = fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}

const RULES: Readonly<Record<ModelName, RuleMaker>> = {
  equal: (input) => onFirstOfPartner(input, () => 1, () => 'equal: 1 per partner', 'equal: partner already counted'),
  'first-touch': ({ touchpoints }) =>
    touchpoints.map((_, i) =>
      i === 0
        ? { weight: 1, rule: `first of ${touchpoints.length}: 100%` }
        : { weight: 0, rule: `${i + 1} of ${touchpoints.length}: only the first counts` },
    ),
  'last-touch': ({ touchpoints }) =>
    touchpoints.map((_, i) =>
      i === touchpoints.length - 1
        ? { weight: 1, rule: `last of ${touchpoints.length}: 100%` }
        : { weight: 0, rule: `${i + 1} of ${touchpoints.length}: only the last counts` },
    ),
  'role-based': ({ touchpoints, options }) => {
    const seen = new Set<string>();
    return touchpoints.map(({ partnerId, type }) => {
      const key = `${partnerId}\u0000${type}`;
      if (seen.has(key)) return { weight: 0, rule: `${type} again: a repeated role adds nothing` };
      seen.add(key);
      const weight = options.roleWeights[type];
      return { weight, rule: `${type}: role weight ${formatNumber(weight, 4)}` };
    });
  },
  'time-decay': ({ deal, touchpoints, options }) => {
    const { ages, youngest, weights } = decayTouchpoints(deal.closedAt, touchpoints, options.halfLifeDays);
    const halfLife = formatNumber(options.halfLifeDays, 4);
    return touchpoints.map((_, i) => {
      const [age, weight] = [ages[i] ?? 0, weights[i] ?? 0];
      const ageText = `age ${formatNumber(age / MS_PER_DAY, 2)} days`;
      if (youngest > 0 && age === youngest) return { weight, rule: `${ageText}, the youngest: weight 1` };
      // Weights are measured from the youngest touchpoint (same ratios, no underflow); say so when it matters.
      const older = youngest > 0 ? ` (${formatNumber((age - youngest) / MS_PER_DAY, 2)} days older than the youngest)` : '';
      const exponent = formatNumber((age - youngest) / (options.halfLifeDays * MS_PER_DAY), 4);
      return { weight, rule: `${ageText}${older}, half-life ${halfLife}: 2^(-${exponent}) = ${formatNumber(weight, 4)}` };
    });
  },
  linear: ({ touchpoints }) => touchpoints.map(() => ({ weight: 1, rule: '1 per touchpoint' })),
  'position-based': ({ touchpoints }) => {
    const count = touchpoints.length;
    const weights = positionWeights(count);
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    return weights.map((weight, i) => {
      const percent = `${formatNumber((100 * weight) / total, 4)}%`;
      if (count === 1) return { weight, rule: 'only touchpoint: 100%' };
      if (i === 0) return { weight, rule: `first of ${count}: ${percent}` };
      if (i === count - 1) return { weight, rule: `last of ${count}: ${percent}` };
      return { weight, rule: `between (${i + 1} of ${count}): 20% / ${count - 2} = ${percent}` };
    });
  },
  markov: (input, partnerWeights) => {
    const fit = input.options.markovFit;
    const known = new Set(fit?.partners.map((partner) => partner.partnerId));
    return onFirstOfPartner(
      input,
      (index) => partnerWeights[index] ?? 0,
      (partnerId, weight) =>
        known.has(partnerId)
          ? `removal effect ${formatFittedWeight(weight)} of fit ${fit?.version}`
          : `not in fit ${fit?.version}: removal effect 0`,
      'repeat: the removal effect counts once per partner',
    );
  },
  shapley: (input, partnerWeights) => {
    const fit = input.options.shapleyFit;
    const raw = fit === undefined ? [] : shapleyValues(fit, input.partners);
    const count = input.partners.length;
    return onFirstOfPartner(
      input,
      (index) => partnerWeights[index] ?? 0,
      (_partnerId, weight, index) =>
        (raw[index] ?? 0) < 0
          ? `Shapley value ${formatNumber(raw[index] ?? 0, 9)} over ${count} partners of fit ${fit?.version}: negative counts as 0`
          : `Shapley value ${formatFittedWeight(weight)} over ${count} partners of fit ${fit?.version}`,
      'repeat: the Shapley value counts once per partner',
    );
  },
};

/** Partner-level weights: the partner's first touchpoint carries it, the rest 0. */
function onFirstOfPartner(
  input: WeighingInput,
  weightOf: (partnerIndex: number) => number,
  ruleOf: (partnerId: string, weight: number, partnerIndex: number) => string,
  repeatRule: string,
): TouchpointRule[] {
  const position = new Map(input.partners.map((partnerId, index) => [partnerId, index]));
  const first = firstOfPartner(input.touchpoints);
  return input.touchpoints.map(({ partnerId }, i) => {
    if (!first[i]) return { weight: 0, rule: repeatRule };
    const index = position.get(partnerId) ?? 0;
    const weight = weightOf(index);
    return { weight, rule: ruleOf(partnerId, weight, index) };
  });
}

function firstOfPartner(touchpoints: readonly Touchpoint[]): boolean[] {
  const seen = new Set<string>();
  return touchpoints.map(({ partnerId }) => {
    if (seen.has(partnerId)) return false;
    seen.add(partnerId);
    return true;
  });
}
