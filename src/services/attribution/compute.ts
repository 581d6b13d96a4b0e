import {
  attribute,
  explainAttribution,
  isAttributionModel,
  isDataDrivenModel,
  type AttributionExplanation,
  type AttributionOptions,
  type AttributionOutcome,
  type ModelName,
  type Touchpoint,
  type TouchpointType,
} from '../../domain/attribution/index.js';
import type { TouchpointRow } from '../../storage/attribution-inputs.js';
import type { DealRow } from '../../storage/schema.js';
import type { CurrentFits } from './fit-cache.js';
import type { AttributionSettings } from './settings-values.js';

/** Per-request overrides of the settings (`?half_life_days=`, `?lookback_days=`). */
export interface AttributionOverrides {
  halfLifeDays?: number | undefined;
  /** null: no window for this request. */
  lookbackDays?: number | null | undefined;
}

/** The options every model runs with: the settings, the request's overrides and the current fits. */
export function optionsFor(settings: AttributionSettings, overrides: AttributionOverrides = {}, fits: CurrentFits = {}): AttributionOptions {
  const options: AttributionOptions = {
    roleWeights: settings.role_weights,
    halfLifeDays: overrides.halfLifeDays ?? settings.half_life_days,
    lookbackDays: overrides.lookbackDays !== undefined ? overrides.lookbackDays : settings.lookback_days,
  };
  // Read when a model uses them: a cached fit is parsed on first use (FitCache.remember), so a
  // deal of one model does not wait for the other model's fit to be parsed.
  const { markov, shapley } = fits;
  if (markov) Object.defineProperty(options, 'markovFit', { get: () => markov.fit, enumerable: true });
  if (shapley) Object.defineProperty(options, 'shapleyFit', { get: () => shapley.fit, enumerable: true });
  return options;
}

/** The deal's own model, as the models the service can run understand it. */
export function ownModelOf(deal: DealRow): ModelName {
  if (!isAttributionModel(deal.attribution_model) && !isDataDrivenModel(deal.attribution_model)) {
    throw new Error(`deal ${deal.id} uses model '${deal.attribution_model}', which this service cannot run`);
  }
  return deal.attribution_model;
}

/** Runs the domain's `attribute` on stored rows: touchpoints keep their recording order as the tie-break. */
export function computeAttribution(
  deal: DealRow,
  touchpoints: readonly TouchpointRow[],
  model: ModelName,
  settings: AttributionSettings,
  overrides: AttributionOverrides = {},
  fits: CurrentFits = {},
): AttributionOutcome {
  return attribute(dealFacts(deal), touchpoints.map(toTouchpoint), model, optionsFor(settings, overrides, fits));
}

/** Runs the domain's `explainAttribution` with exactly the inputs `computeAttribution` would use. */
export function computeExplanation(
  deal: DealRow,
  touchpoints: readonly TouchpointRow[],
  model: ModelName,
  settings: AttributionSettings,
  overrides: AttributionOverrides = {},
  fits: CurrentFits = {},
): AttributionExplanation {
  return explainAttribution(dealFacts(deal), touchpoints.map(toTouchpoint), model, optionsFor(settings, overrides, fits));
}

const dealFacts = (deal: DealRow) => ({ amountMinor: deal.amount_minor, closedAt: deal.closed_at, currency: deal.currency });

export function toTouchpoint(row: TouchpointRow): Touchpoint {
  return {
    partnerId: row.partner_id,
    type: row.touchpoint_type as TouchpointType,
    timestamp: row.timestamp,
    sequence: row.seq,
  };
}

/** Rows grouped by deal id, each group keeping the rows' order. */
export function groupByDeal(rows: readonly TouchpointRow[]): Map<string, TouchpointRow[]> {
  const groups = new Map<string, TouchpointRow[]>();
  for (const row of rows) {
    const group = groups.get(row.deal_id);
    if (group) group.push(row);
    else groups.set(row.deal_id, [row]);
  }
  return groups;
}
