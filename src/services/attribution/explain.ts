import type { AttributionExplanation, ModelName } from '../../domain/attribution/index.js';
import { findPartnerNames, listTouchpointsForDeals } from '../../storage/attribution-inputs.js';
import type { FitHead } from '../../storage/attribution-fits.js';
import type { DealRow } from '../../storage/schema.js';
import type { ServiceContext } from '../context.js';
import { computeExplanation, ownModelOf, type AttributionOverrides } from './compute.js';
import { findAttributableDeal, fitsForModel } from './read.js';

export interface ExplainRequest extends AttributionOverrides {
  model?: ModelName | undefined;
  /** A partner-bound caller sees only its own partner's entry. */
  viewerPartnerId?: string | null | undefined;
}

export interface ExplanationView {
  deal: DealRow;
  explanation: AttributionExplanation;
  names: Map<string, string>;
  /** Touchpoint id per touchpoint sequence. */
  touchpointIds: Map<number, string>;
  fit?: FitHead | undefined;
}

/**
 * Why each partner gets what it gets on the deal: the domain's `explainAttribution` run on the
 * very inputs the served answer uses (the deal brought up to date first, the same settings,
 * overrides and fit), so the payouts it explains are the payouts `GET /attribution` serves.
 */
export async function explainDealAttribution(ctx: ServiceContext, dealId: string, request: ExplainRequest = {}): Promise<ExplanationView> {
  const { deal, settings } = await findAttributableDeal(ctx, dealId, request.viewerPartnerId);
  const model = request.model ?? ownModelOf(deal);
  const fits = await fitsForModel(ctx, model);
  const touchpoints = await listTouchpointsForDeals(ctx.db, [deal.id]);
  const names = await findPartnerNames(ctx.db, touchpoints.map((row) => row.partner_id));
  const explanation = computeExplanation(deal, touchpoints, model, settings, request, fits);
  const viewer = request.viewerPartnerId;
  const visible: AttributionExplanation = viewer
    ? {
        ...explanation,
        partners: explanation.partners.filter((partner) => partner.partnerId === viewer),
        excluded: explanation.excluded.filter((entry) => entry.touchpoint.partnerId === viewer),
      }
    : explanation;
  return {
    deal,
    explanation: visible,
    names,
    touchpointIds: new Map(touchpoints.map((row) => [row.seq, row.id])),
    fit: model === 'markov' || model === 'shapley' ? fits[model]?.head : undefined,
  };
}
