import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TOUCHPOINT_TYPES, type TouchpointExplanation } from '../../domain/attribution/index.js';
import { toMajorUnits } from '../../domain/money.js';
import { explainDealAttribution, type ExplanationView } from '../../services/attribution/explain.js';
import type { ServiceContext } from '../../services/context.js';
import { dealParams, fitSchema, halfLifeDaysQuery, lookbackDaysQuery, toFit } from '../attribution-schemas.js';
import { problemResponses } from '../problem.js';
import { attributionModelSchema, isoTimestamp, toIso } from '../schemas.js';

const explainedTouchpoint = z
  .object({
    id: z.string().describe('The event id'),
    partner_id: z.string(),
    touchpoint_type: z.enum(TOUCHPOINT_TYPES),
    timestamp: isoTimestamp,
    weight: z.number(),
    rule: z.string().describe('How the weight arose, in words'),
  })
  .meta({ id: 'ExplainedTouchpoint' });

const explainedPartner = z
  .object({
    partner_id: z.string(),
    partner_name: z.string(),
    weight: z.number().describe("The partner's weight under the model (for markov and shapley the fitted value)"),
    share: z
      .object({ numerator: z.string(), denominator: z.string() })
      .describe('The exact fraction of the deal, reduced; decimal strings of integers'),
    exact_payout: z.string().describe('The unrounded payout in major units, as a decimal string ("…" where it is cut)'),
    payout: z.number().describe('Exactly what GET /attribution pays'),
    rounding_units: z.number().int().describe('Minor units the largest-remainder step added'),
    percentage: z.number(),
    touchpoints: z.array(explainedTouchpoint),
  })
  .meta({ id: 'ExplainedPartner' });

const explanationResponse = z
  .object({
    deal_id: z.string(),
    total_amount: z.number(),
    currency: z.string(),
    model: attributionModelSchema,
    settings: z
      .object({
        lookback_days: z.number().nullable(),
        role_weights: z.record(z.enum(TOUCHPOINT_TYPES), z.number()).optional(),
        half_life_days: z.number().optional(),
      })
      .describe('The settings (and overrides) the answer used: the ones its model reads, and the lookback window'),
    fit: fitSchema.optional(),
    fallback: z.literal('equal').optional().describe('Every weight was 0: the partners shared equally'),
    partners: z.array(explainedPartner).describe('In the order GET /attribution lists them'),
    excluded: z.array(explainedTouchpoint).describe('Touchpoints the lookback window left out, each with weight 0'),
    rounding: z.object({
      method: z.literal('largest-remainder'),
      leftover_units: z.number().int(),
      tie_break: z.string(),
    }),
  })
  .meta({ id: 'AttributionExplanation' });

export const attributionExplainRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/attribution/:dealId/explain',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags: ['attribution'],
        summary: 'Why each partner got what it got: weights, exact shares, rounding and each touchpoint with its rule',
        params: dealParams,
        querystring: z.object({
          model: attributionModelSchema.optional().describe("Another model than the deal's own"),
          half_life_days: halfLifeDaysQuery,
          lookback_days: lookbackDaysQuery,
        }),
        response: { 200: explanationResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found', 'deal_not_won') },
      },
    },
    async (request) => {
      const { model, half_life_days, lookback_days } = request.query;
      const view = await explainDealAttribution(ctx, request.params.dealId, {
        model,
        halfLifeDays: half_life_days,
        lookbackDays: lookback_days,
        viewerPartnerId: request.principal?.partnerId,
      });
      return toExplanationResponse(view, Boolean(request.principal?.partnerId));
    },
  );
};

function toExplanationResponse({ deal, explanation, names, touchpointIds, fit }: ExplanationView, partnerBound: boolean) {
  const touchpoint = (entry: TouchpointExplanation) => ({
    id: touchpointIds.get(entry.touchpoint.sequence) ?? '',
    partner_id: entry.touchpoint.partnerId,
    touchpoint_type: entry.touchpoint.type,
    timestamp: toIso(entry.touchpoint.timestamp),
    weight: entry.weight,
    rule: entry.rule,
  });
  const { settings, rounding } = explanation;
  return {
    deal_id: deal.id,
    total_amount: toMajorUnits(deal.amount_minor, deal.currency),
    currency: deal.currency,
    model: explanation.model,
    settings: {
      lookback_days: settings.lookbackDays,
      ...(settings.roleWeights ? { role_weights: { ...settings.roleWeights } } : {}),
      ...(settings.halfLifeDays !== undefined ? { half_life_days: settings.halfLifeDays } : {}),
    },
    ...(fit ? { fit: toFit(fit) } : {}),
    ...(explanation.fallback ? { fallback: explanation.fallback } : {}),
    partners: explanation.partners.map((partner) => ({
      partner_id: partner.partnerId,
      partner_name: names.get(partner.partnerId) ?? partner.partnerId,
      weight: partner.weight,
      share: partner.share,
      exact_payout: partner.exactPayout,
      payout: toMajorUnits(partner.payoutMinor, deal.currency),
      rounding_units: partner.roundingUnits,
      percentage: partner.basisPoints / 100,
      touchpoints: partner.touchpoints.map(touchpoint),
    })),
    excluded: explanation.excluded.map(touchpoint),
    rounding: {
      method: rounding.method,
      leftover_units: rounding.leftoverUnits,
      // The tie-break names the partners it decided between: a partner-bound key sees only the rule.
      tie_break: partnerBound ? rounding.tieBreak.split(/[:;] /)[0]! : rounding.tieBreak,
    },
  };
}
