import {
  attribute,
  isAttributionModel,
  type AttributionModel,
  type AttributionOptions,
  type AttributionOutcome,
  type Touchpoint,
  type TouchpointType,
} from '../../domain/attribution/index.js';
import type { TouchpointRow } from '../../storage/attribution-inputs.js';
import type { DealRow } from '../../storage/schema.js';
import type { AttributionSettings } from './settings-values.js';

/** Per-request overrides of the settings (`?half_life_days=`). */
export interface AttributionOverrides {
  halfLifeDays?: number | undefined;
}

/**
 * The models the service runs. The data-driven models (markov, shapley) will join here with
 * their fitter, which supplies `partnerWeights`; until then a deal cannot use them.
 */
export function optionsFor(settings: AttributionSettings, overrides: AttributionOverrides = {}): AttributionOptions {
  return { roleWeights: settings.role_weights, halfLifeDays: overrides.halfLifeDays ?? settings.half_life_days };
}

/** The deal's own model, as the models the service can run understand it. */
export function ownModelOf(deal: DealRow): AttributionModel {
  if (!isAttributionModel(deal.attribution_model)) {
    throw new Error(`deal ${deal.id} uses model '${deal.attribution_model}', which this service cannot run yet`);
  }
  return deal.attribution_model;
}

/** Runs the domain's `attribute` on stored rows: touchpoints keep their recording order as the tie-break. */
export function computeAttribution(
  deal: DealRow,
  touchpoints: readonly TouchpointRow[],
  model: AttributionModel,
  settings: AttributionSettings,
  overrides: AttributionOverrides = {},
): AttributionOutcome {
  return attribute(
    { amount: deal.amount, closedAt: deal.closed_at },
    touchpoints.map(toTouchpoint),
    model,
    optionsFor(settings, overrides),
  );
}

function toTouchpoint(row: TouchpointRow): Touchpoint {
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
