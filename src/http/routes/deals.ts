import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toMajorUnits } from '../../domain/money.js';
import type { ServiceContext } from '../../services/context.js';
import * as deals from '../../services/deals.js';
import { actorOf } from '../actor.js';
import { problemResponses } from '../problem.js';
import {
  currencySchema,
  dateRangeQuery,
  idParams,
  idSchema,
  isoTimestamp,
  paginated,
  attributionModelSchema as attributionModel,
  paginationQuery,
  timestampInput,
  toIso,
} from '../schemas.js';
import { eventResponse, toEventResponse } from './events.js';

const dealStatus = z.enum(['won', 'lost']);
const amount = z
  .number()
  .positive()
  .describe(
    'Major units, with no more decimals than the currency has (USD 2, JPY 0), and at most 10^13 minor units ' +
      '(100000000000 USD, 10000000000000 JPY), so every sum the API reports stays exact',
  )
  .meta({ example: 50000 });

const createDealBody = z.strictObject({
  id: idSchema.optional().describe('Your id for the deal (the one your touchpoints use); generated when absent'),
  amount,
  currency: currencySchema.optional().describe('ISO 4217; DEFAULT_CURRENCY when absent'),
  closed_date: timestampInput.optional().describe('Now when absent'),
  attribution_model: attributionModel.optional().describe("The settings' default_model when absent"),
  status: dealStatus.optional().describe('won (default) or lost; lost deals carry no payout'),
});

const updateDealBody = z.strictObject({
  amount: amount.optional(),
  currency: currencySchema.optional(),
  closed_date: timestampInput.optional(),
  attribution_model: attributionModel.optional(),
  status: dealStatus.optional(),
});

const dealResponse = z
  .object({
    id: z.string(),
    amount: z.number(),
    currency: z.string(),
    closed_date: isoTimestamp,
    attribution_model: attributionModel,
    status: dealStatus,
    created_at: isoTimestamp,
    updated_at: isoTimestamp,
  })
  .meta({ id: 'Deal' });

export const dealRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/deals',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['deals'],
        summary: 'Record a deal',
        body: createDealBody,
        response: { 201: dealResponse, ...problemResponses('unauthorized', 'forbidden', 'conflict') },
      },
    },
    async (request, reply) => {
      const { closed_date, ...rest } = request.body;
      return reply.code(201).send(toDealResponse(await deals.createDeal(ctx, { ...rest, closed_at: closed_date }, actorOf(request))));
    },
  );

  app.get(
    '/deals',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['deals'],
        summary: 'List deals, most recently closed first',
        querystring: z.object({ ...paginationQuery, ...dateRangeQuery, status: dealStatus.optional() }),
        response: { 200: paginated(dealResponse), ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { limit, offset, status, start_date, end_date } = request.query;
      const { data, total } = await deals.listDealsPage(ctx, { status, from: start_date, to: end_date, limit, offset });
      return { data: data.map(toDealResponse), pagination: { limit, offset, total } };
    },
  );

  app.get(
    '/deals/:id',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['deals'],
        summary: 'A deal with its touchpoints, oldest first',
        params: idParams,
        response: {
          200: dealResponse.extend({ events: z.array(eventResponse) }),
          ...problemResponses('unauthorized', 'forbidden', 'not_found'),
        },
      },
    },
    async (request) => {
      const { deal, touchpoints } = await deals.getDealWithTouchpoints(ctx, request.params.id);
      return { ...toDealResponse(deal), events: touchpoints.map(toEventResponse) };
    },
  );

  app.patch(
    '/deals/:id',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['deals'],
        summary: 'Change a deal; its attribution follows',
        params: idParams,
        body: updateDealBody,
        response: { 200: dealResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request) => {
      const { closed_date, ...rest } = request.body;
      return toDealResponse(await deals.updateDeal(ctx, request.params.id, { ...rest, closed_at: closed_date }, actorOf(request)));
    },
  );
};

export function toDealResponse(row: deals.Deal) {
  return {
    id: row.id,
    amount: toMajorUnits(row.amount_minor, row.currency),
    currency: row.currency,
    closed_date: toIso(row.closed_at),
    attribution_model: row.attribution_model as z.infer<typeof attributionModel>,
    status: row.status,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}
