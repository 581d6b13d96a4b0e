import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TOUCHPOINT_TYPES } from '../../domain/attribution/index.js';
import type { ServiceContext } from '../../services/context.js';
import * as events from '../../services/touchpoints.js';
import type { StoredTouchpoint } from '../../services/touchpoints.js';
import { actorOf } from '../actor.js';
import { problemResponses } from '../problem.js';
import { dateRangeQuery, idParams, idSchema, isoTimestamp, paginated, paginationQuery, timestampInput, toIso } from '../schemas.js';

const MAX_METADATA_BYTES = 16 * 1024;
export const MAX_METADATA_DEPTH = 32;
export const MAX_BATCH_EVENTS = 1000;

const touchpointType = z.enum(TOUCHPOINT_TYPES);

const eventBody = z.strictObject({
  id: idSchema.optional().describe('Your id for the touchpoint; makes retries safe (idempotent)'),
  partner_id: idSchema,
  deal_id: idSchema.describe('The deal need not exist yet'),
  touchpoint_type: touchpointType,
  timestamp: timestampInput.optional().describe('When it happened; now when absent'),
  metadata: z
    .record(z.string(), z.unknown())
    .refine((value) => depthOf(value) <= MAX_METADATA_DEPTH, {
      message: `must nest at most ${MAX_METADATA_DEPTH} levels deep`,
      abort: true,
    })
    .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES, 'must be at most 16 KiB as JSON')
    .optional()
    .describe(`Any JSON object, at most 16 KiB and ${MAX_METADATA_DEPTH} levels deep`),
});

export const eventResponse = z
  .object({
    id: z.string(),
    partner_id: z.string(),
    deal_id: z.string(),
    touchpoint_type: touchpointType,
    timestamp: isoTimestamp,
    metadata: z.record(z.string(), z.unknown()).nullable(),
    created_at: isoTimestamp,
  })
  .meta({ id: 'Event' });

export const eventRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/events',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['events'],
        summary: 'Record a touchpoint',
        description: 'Replaying the same id with the same body answers 200 with the stored event; a different body is a 409.',
        body: eventBody,
        response: {
          200: eventResponse.describe('An idempotent replay: the stored event'),
          201: eventResponse,
          ...problemResponses('unauthorized', 'forbidden', 'conflict', 'partner_not_found'),
        },
      },
    },
    async (request, reply) => {
      const { touchpoint, created } = await events.recordTouchpoint(ctx, request.body, actorOf(request));
      return reply.code(created ? 201 : 200).send(toEventResponse(touchpoint));
    },
  );

  app.post(
    '/events/batch',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['events'],
        summary: `Record up to ${MAX_BATCH_EVENTS} touchpoints, all or nothing`,
        body: z.strictObject({ events: z.array(eventBody).min(1).max(MAX_BATCH_EVENTS) }),
        response: {
          201: z.object({ inserted: z.number().int(), duplicates: z.number().int() }),
          ...problemResponses('unauthorized', 'forbidden', 'conflict', 'partner_not_found'),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await events.recordTouchpointBatch(ctx, request.body.events, actorOf(request))),
  );

  app.get(
    '/events',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['events'],
        summary: 'List touchpoints, oldest first',
        querystring: z.object({
          ...paginationQuery,
          ...dateRangeQuery,
          deal_id: idSchema.optional(),
          partner_id: idSchema.optional(),
          touchpoint_type: touchpointType.optional(),
        }),
        response: { 200: paginated(eventResponse), ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { limit, offset, start_date, end_date, deal_id, partner_id, touchpoint_type } = request.query;
      const { data, total } = await events.listTouchpointsPage(ctx, {
        dealId: deal_id,
        partnerId: partner_id,
        touchpointType: touchpoint_type,
        from: start_date,
        to: end_date,
        limit,
        offset,
      });
      return { data: data.map(toEventResponse), pagination: { limit, offset, total } };
    },
  );

  app.delete(
    '/events/:id',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['events'],
        summary: "Remove a mistaken touchpoint; the deal's attribution follows",
        params: idParams,
        response: { 204: z.null().describe('Removed'), ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request, reply) => {
      await events.removeTouchpoint(ctx, request.params.id, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};

/**
 * How many levels of objects and arrays `value` has, without recursion (a hostile value may be
 * thousands deep).
 * @example depthOf({ a: { b: [1] } }) // 3
 */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export function toEventResponse(row: StoredTouchpoint) {
  return {
    id: row.id,
    partner_id: row.partner_id,
    deal_id: row.deal_id,
    touchpoint_type: row.touchpoint_type as z.infer<typeof touchpointType>,
    timestamp: toIso(row.timestamp),
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
    created_at: toIso(row.created_at),
  };
}
