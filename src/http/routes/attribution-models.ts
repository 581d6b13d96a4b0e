import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TOUCHPOINT_TYPES } from '../../domain/attribution/index.js';
import { getMarkovFit, getShapleyFit, listModels } from '../../services/attribution/models.js';
import type { ServiceContext } from '../../services/context.js';
import { fitSchema, toFit } from '../attribution-schemas.js';
import { problemResponses } from '../problem.js';
import { attributionModelSchema } from '../schemas.js';

const fitListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100_000).default(1000).describe('The most entries each list shows (default 1000)'),
});

const modelsResponse = z.object({
  models: z.array(
    z.object({
      model: attributionModelSchema,
      kind: z.enum(['rule-based', 'data-driven']),
      description: z.string(),
      parameters: z.object({
        role_weights: z.record(z.enum(TOUCHPOINT_TYPES), z.number()).optional(),
        half_life_days: z.number().optional(),
        lookback_days: z.number().nullable().optional(),
      }),
      fit: fitSchema.nullable().optional().describe('markov and shapley: the current fit; null before the first one'),
    }),
  ),
});

const markovResponse = fitSchema
  .extend({
    conversion: z.number().describe('P(won) from start in the fitted chain'),
    partners: z.array(
      z.object({
        partner_id: z.string(),
        removal_effect: z.number().describe('(P(won) − P(won without the partner)) / P(won)'),
        paths: z.number().int().describe('Fitted deals the partner appears on'),
      }),
    ),
    partners_total: z.number().int(),
    transitions: z.array(
      z.object({
        from: z.string().describe('A partner id, or start'),
        to: z.string().describe('A partner id, won or lost'),
        count: z.number().int(),
        probability: z.number(),
      }),
    ),
    transitions_total: z.number().int(),
  })
  .meta({ id: 'MarkovFit' });

const shapleyResponse = fitSchema
  .extend({
    coalitions: z.array(
      z.object({
        partner_ids: z.array(z.string()),
        won: z.number().int(),
        lost: z.number().int(),
        win_rate: z.number(),
      }),
    ),
    coalitions_total: z.number().int(),
  })
  .meta({ id: 'ShapleyFit' });

const errors = problemResponses('unauthorized', 'forbidden');

export const attributionModelRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/attribution-models',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['attribution'],
        summary: 'Every model with its parameters and a one-line description',
        response: { 200: modelsResponse, ...errors },
      },
    },
    async () => {
      const models = await listModels(ctx);
      return {
        models: models.map((summary) => ({
          model: summary.model,
          kind: summary.kind,
          description: summary.description,
          parameters: summary.parameters,
          ...(summary.kind === 'data-driven' ? { fit: summary.fit ? toFit(summary.fit) : null } : {}),
        })),
      };
    },
  );

  app.get(
    '/attribution-models/markov',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['attribution'],
        summary: 'The current markov fit: removal effects and transitions (fitted now if never fitted)',
        querystring: fitListQuery,
        response: { 200: markovResponse, ...errors },
      },
    },
    async (request) => {
      const fit = await getMarkovFit(ctx, request.query.limit);
      return {
        ...toFit(fit.head),
        conversion: fit.conversion,
        partners: fit.partners.map((p) => ({ partner_id: p.partnerId, removal_effect: p.removalEffect, paths: p.paths })),
        partners_total: fit.partnersTotal,
        transitions: fit.transitions.map(({ from, to, count, probability }) => ({ from, to, count, probability })),
        transitions_total: fit.transitionsTotal,
      };
    },
  );

  app.get(
    '/attribution-models/shapley',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['attribution'],
        summary: 'The current shapley fit: won and lost deals per exact partner set (fitted now if never fitted)',
        querystring: fitListQuery,
        response: { 200: shapleyResponse, ...errors },
      },
    },
    async (request) => {
      const fit = await getShapleyFit(ctx, request.query.limit);
      return {
        ...toFit(fit.head),
        coalitions: fit.coalitions.map((c) => ({ partner_ids: c.partnerIds, won: c.won, lost: c.lost, win_rate: c.winRate })),
        coalitions_total: fit.coalitionsTotal,
      };
    },
  );
};
