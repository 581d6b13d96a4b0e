import { DomainError } from '../errors.js';
import { isEpochMillis, orderTouchpoints, assertTouchpoints, type Touchpoint } from '../touchpoint.js';
import { equalWeights, linearWeights } from './count-based.js';
import { markovWeights, shapleyWeights } from './data-driven.js';
import { splitByLookback } from './lookback.js';
import type { ModelName } from './models.js';
import { assertAttributionOptions, type AttributionOptions } from './options.js';
import { firstTouchWeights, lastTouchWeights, positionBasedWeights } from './positional.js';
import { roleBasedWeights } from './role-based.js';
import { timeDecayWeights } from './time-decay.js';
import type { AttributionDeal, PartnerWeigher } from './weigher.js';

const WEIGHERS: Readonly<Record<ModelName, PartnerWeigher>> = {
  equal: equalWeights,
  'first-touch': firstTouchWeights,
  'last-touch': lastTouchWeights,
  'role-based': roleBasedWeights,
  'time-decay': timeDecayWeights,
  linear: linearWeights,
  'position-based': positionBasedWeights,
  markov: markovWeights,
  shapley: shapleyWeights,
};

/** A deal after validation, the lookback window and the model's weighing: what both `attribute` and `explainAttribution` split. */
export interface WeighedDeal {
  /** Touchpoints inside the lookback window, by (timestamp, sequence). */
  counted: Touchpoint[];
  /** Touchpoints the window leaves out, by (timestamp, sequence). */
  excluded: Touchpoint[];
  /** Distinct partners of `counted`, in first-touch order (the order ties are broken in). */
  partners: string[];
  /** The model's weight per partner. */
  modelWeights: number[];
  /** What is split: `modelWeights`, or 1 each when every model weight is 0. */
  weights: number[];
  fallback: boolean;
}

/**
 * Validates the input, applies the lookback window and weighs the partners
 * under `model`. Throws `DomainError` for an invalid deal, touchpoint, option,
 * model name or a missing fit.
 *
 * @example
 * weighDeal(deal, touchpoints, 'linear', DEFAULT_ATTRIBUTION_OPTIONS);
 * // → { partners: ['p1', 'p2'], weights: [2, 1], fallback: false, ... }
 */
export function weighDeal(
  deal: AttributionDeal,
  touchpoints: readonly Touchpoint[],
  model: ModelName,
  options: AttributionOptions,
): WeighedDeal {
  assertDeal(deal);
  assertAttributionOptions(options);
  assertTouchpoints(touchpoints);
  const weigh: PartnerWeigher | undefined = Object.hasOwn(WEIGHERS, model) ? WEIGHERS[model] : undefined;
  if (weigh === undefined) throw new DomainError('unknown_model', `unknown attribution model: ${String(model)}`);

  const { inside, outside } = splitByLookback(deal.closedAt, touchpoints, options.lookbackDays);
  const counted = orderTouchpoints(inside);
  const excluded = orderTouchpoints(outside);
  // Set order is first-touch order: the order allocate breaks ties in.
  const partners = [...new Set(counted.map((touchpoint) => touchpoint.partnerId))];
  if (partners.length === 0) return { counted, excluded, partners, modelWeights: [], weights: [], fallback: false };
  const modelWeights = weigh({ deal, touchpoints: counted, partners, options });
  const fallback = modelWeights.every((weight) => weight === 0);
  const weights = fallback ? partners.map(() => 1) : modelWeights;
  return { counted, excluded, partners, modelWeights, weights, fallback };
}

function assertDeal(deal: AttributionDeal): void {
  if (!Number.isSafeInteger(deal.amountMinor) || deal.amountMinor <= 0) {
    throw new DomainError(
      'invalid_deal',
      `deal amount must be a positive safe integer of minor units, got ${deal.amountMinor}`,
    );
  }
  if (!isEpochMillis(deal.closedAt)) {
    throw new DomainError('invalid_deal', `deal closedAt must be epoch milliseconds, got ${deal.closedAt}`);
  }
}
