import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TOUCHPOINT_TYPES } from '../../domain/attribution/index.js';
import type { ServiceContext } from '../../services/context.js';
import { readAttributionSettings, type AttributionSettings } from '../../services/attribution/settings-values.js';
import { updateAttributionSettings } from '../../services/attribution/settings.js';
import { actorOf } from '../actor.js';
import { problemResponses } from '../problem.js';
import { MAX_LOOKBACK_DAYS } from '../attribution-schemas.js';
import { attributionModelSchema } from '../schemas.js';

const roleWeight = z.number().min(0).max(1_000_000).describe('Finite, >= 0');

const roleWeightsInput = z
  .strictObject(Object.fromEntries(TOUCHPOINT_TYPES.map((type) => [type, roleWeight.optional()])) as Record<
    (typeof TOUCHPOINT_TYPES)[number],
    z.ZodOptional<typeof roleWeight>
  >)
  .describe('Merged into the current weights; not all may be 0')
  .meta({ example: { closer: 40, referral: 30 } });

const settingsBody = z.strictObject({
  default_model: attributionModelSchema.optional().describe('The model new deals get when they name none'),
  role_weights: roleWeightsInput.optional(),
  half_life_days: z.number().positive().max(36_500).optional().describe('time-decay: days for a weight to halve'),
  lookback_days: z
    .number()
    .min(0)
    .max(MAX_LOOKBACK_DAYS)
    .nullable()
    .optional()
    .describe('Touchpoints more than this many days before the close count for no model and no fit; null: no window'),
});

const settingsResponse = z
  .object({
    default_model: attributionModelSchema,
    role_weights: z.record(z.enum(TOUCHPOINT_TYPES), z.number()),
    half_life_days: z.number(),
    lookback_days: z.number().nullable(),
  })
  .meta({ id: 'Settings' });

export const settingsRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/settings',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['settings'],
        summary: 'The attribution settings',
        response: { 200: settingsResponse, ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async () => toSettingsResponse(await readAttributionSettings(ctx.db, ctx.defaultModel)),
  );

  app.patch(
    '/settings',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags: ['settings'],
        summary: 'Change the attribution settings; every stored result they affect is recomputed at once',
        body: settingsBody,
        response: { 200: settingsResponse, ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => toSettingsResponse(await updateAttributionSettings(ctx, request.body, actorOf(request))),
  );
};

function toSettingsResponse(settings: AttributionSettings) {
  return {
    default_model: settings.default_model,
    role_weights: settings.role_weights,
    half_life_days: settings.half_life_days,
    lookback_days: settings.lookback_days,
  };
}
