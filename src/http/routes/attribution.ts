import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ModelName } from '../../domain/attribution/index.js';
import { toMajorUnits } from '../../domain/money.js';
import * as attribution from '../../services/attribution/read.js';
import type { AttributionEntry, AttributionView } from '../../services/attribution/read.js';
import type { ServiceContext } from '../../services/context.js';
import { problemResponses } from '../problem.js';
import { dealParams, fitSchema, halfLifeDaysQuery as halfLifeDays, lookbackDaysQuery, toFit } from '../attribution-schemas.js';
import { attributionModelSchema as attributionModel, isoTimestamp, toIso } from '../schemas.js';

const attributionQuery = z.object({
  model: attributionModel.optional().describe("Another model than the deal's own: a what-if, computed and not stored"),
  recalculate: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .describe('true forces a fresh computation (which is then stored)'),
  half_life_days: halfLifeDays,
  lookback_days: lookbackDaysQuery,
});

const attributionEntry = z
  .object({
    partner_id: z.string(),
    partner_name: z.string(),
    percentage: z.number().describe('2 decimals; the entries sum to exactly 100'),
    payout: z.number().describe("Major units; the entries sum to exactly the deal's amount"),
    touchpoints: z.number().int(),
    role: z.string().describe('Distinct touchpoint types, heaviest role weight first, joined with ", "'),
  })
  .meta({ id: 'AttributionEntry' });

const attributionResponse = z
  .object({
    deal_id: z.string(),
    total_amount: z.number(),
    currency: z.string(),
    model: attributionModel,
    attributions: z.array(attributionEntry).describe('By payout descending, then partner_id'),
    fallback: z.literal('equal').optional().describe('Present when every weight was 0 and the partners shared equally'),
    calculated_at: isoTimestamp,
    cached: z.boolean(),
    fit: fitSchema.optional().describe('markov and shapley: the fit the answer was computed with'),
  })
  .meta({ id: 'Attribution' });

const compareResponse = z.object({
  deal_id: z.string(),
  total_amount: z.number(),
  currency: z.string(),
  models: z.record(attributionModel, z.array(attributionEntry)),
  fits: z.object({ markov: fitSchema.optional(), shapley: fitSchema.optional() }).describe('The fits markov and shapley used'),
});

const errors = problemResponses('unauthorized', 'forbidden', 'not_found', 'deal_not_won');

export const attributionRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/attribution/:dealId',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags: ['attribution'],
        summary: "A won deal's attribution: the stored result (cached) or a fresh computation",
        params: dealParams,
        querystring: attributionQuery,
        response: { 200: attributionResponse, ...errors },
      },
    },
    async (request) => {
      const { model, recalculate, half_life_days, lookback_days } = request.query;
      const view = await attribution.getAttribution(ctx, request.params.dealId, {
        model,
        recalculate,
        halfLifeDays: half_life_days,
        lookbackDays: lookback_days,
        viewerPartnerId: request.principal?.partnerId,
      });
      return toAttributionResponse(view);
    },
  );

  app.post(
    '/attribution/:dealId/recalculate',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['attribution'],
        summary: "Recompute and store the deal's attribution with its own model",
        params: dealParams,
        response: { 200: attributionResponse, ...errors },
      },
    },
    async (request) => toAttributionResponse(await attribution.recalculateAttribution(ctx, request.params.dealId)),
  );

  app.get(
    '/attribution/:dealId/compare',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['attribution'],
        summary: "Every model's attribution of the deal, side by side",
        params: dealParams,
        querystring: z.object({ half_life_days: halfLifeDays, lookback_days: lookbackDaysQuery }),
        response: { 200: compareResponse, ...errors },
      },
    },
    async (request) => {
      const overrides = { halfLifeDays: request.query.half_life_days, lookbackDays: request.query.lookback_days };
      return toCompareResponse(await attribution.compareAttributionModels(ctx, request.params.dealId, overrides));
    },
  );
};

function toAttributionResponse(view: AttributionView) {
  const { deal } = view;
  return {
    deal_id: deal.id,
    total_amount: toMajorUnits(deal.amount_minor, deal.currency),
    currency: deal.currency,
    model: view.model,
    attributions: view.entries.map((entry) => toAttributionEntry(entry, deal.currency)),
    ...(view.fallback ? { fallback: 'equal' as const } : {}),
    calculated_at: toIso(view.calculatedAt),
    cached: view.cached,
    ...(view.fit ? { fit: toFit(view.fit) } : {}),
  };
}

function toCompareResponse({ deal, models, fits }: Awaited<ReturnType<typeof attribution.compareAttributionModels>>) {
  const byModel = Object.entries(models).map(([model, entries]) => [
    model,
    entries.map((entry) => toAttributionEntry(entry, deal.currency)),
  ]);
  return {
    deal_id: deal.id,
    total_amount: toMajorUnits(deal.amount_minor, deal.currency),
    currency: deal.currency,
    models: Object.fromEntries(byModel) as Record<ModelName, ReturnType<typeof toAttributionEntry>[]>,
    fits: {
      ...(fits.markov ? { markov: toFit(fits.markov) } : {}),
      ...(fits.shapley ? { shapley: toFit(fits.shapley) } : {}),
    },
  };
}

function toAttributionEntry(entry: AttributionEntry, currency: string) {
  return {
    partner_id: entry.partnerId,
    partner_name: entry.partnerName,
    percentage: entry.basisPoints / 100,
    payout: toMajorUnits(entry.payoutMinor, currency),
    touchpoints: entry.touchpoints,
    role: entry.roles.join(', '),
  };
}
