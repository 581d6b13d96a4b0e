import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../services/context.js';
import * as partners from '../../services/partners.js';
import { actorOf } from '../actor.js';
import { majorUnitsJson } from '../json-decimal.js';
import { problemResponses } from '../problem.js';
import { idParams, idSchema, isoTimestamp, paginated, paginationQuery, payoutDetailsSchema, singleLineText, toIso } from '../schemas.js';
import { ownPartnerOnly } from '../partner-scope.js';

const partnerStatus = z.enum(['active', 'archived']);

const createPartnerBody = z.strictObject({
  id: idSchema.optional().describe('Your own id for the partner (a CRM id); generated when absent'),
  name: singleLineText(200),
  email: z.email().max(320).describe('Unique, case-insensitive'),
  payout_details: payoutDetailsSchema.optional().describe('Stored encrypted; shown masked (at most the last 4 characters, never more than half)'),
});

const updatePartnerBody = z.strictObject({
  name: singleLineText(200).optional(),
  email: z.email().max(320).optional(),
  payout_details: payoutDetailsSchema.nullable().optional().describe('null removes them'),
  status: partnerStatus.optional(),
});

const partnerResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string(),
    payout_details: z.record(z.string(), z.string()).nullable().describe('Masked: a run of * and at most the last 4 characters (never more than half)'),
    status: partnerStatus,
    created_at: isoTimestamp,
    updated_at: isoTimestamp,
  })
  .meta({ id: 'Partner' });

const partnerWithStats = partnerResponse.extend({
  stats: z.object({
    deals: z.number().int(),
    touchpoints: z.number().int(),
    attributed_revenue: z.record(z.string(), z.number()).describe('Per currency, major units: { "USD": 12345.67 }'),
  }),
});

export const partnerRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/partners',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['partners'],
        summary: 'Create a partner',
        body: createPartnerBody,
        response: { 201: partnerResponse, ...problemResponses('unauthorized', 'forbidden', 'conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(toPartnerResponse(await partners.createPartner(ctx, request.body, actorOf(request)))),
  );

  app.get(
    '/partners',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['partners'],
        summary: 'List partners',
        querystring: z.object({ ...paginationQuery, search: z.string().max(200).refine((text) => !/[\t\n]/.test(text), 'must be a single line').optional().describe('Matches name or email') }),
        response: { 200: paginated(partnerResponse), ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { data, total } = await partners.listPartnersPage(ctx, request.query);
      const { limit, offset } = request.query;
      return { data: data.map(toPartnerResponse), pagination: { limit, offset, total } };
    },
  );

  app.get(
    '/partners/:id',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags: ['partners'],
        summary: 'A partner, with its activity and attributed revenue',
        params: idParams,
        response: { 200: partnerWithStats, ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request) => {
      const id = ownPartnerOnly(request.principal, request.params.id);
      const partner = await partners.getPartner(ctx, id);
      const { revenue, ...activity } = await partners.getPartnerStats(ctx, id);
      const attributed_revenue = Object.fromEntries(revenue.map((row) => [row.currency, majorUnitsJson(row.payout_minor, row.currency)]));
      return { ...toPartnerResponse(partner), stats: { ...activity, attributed_revenue } };
    },
  );

  app.patch(
    '/partners/:id',
    {
      config: { auth: { scope: 'write' } },
      schema: {
        tags: ['partners'],
        summary: 'Change a partner; archive it with status "archived" (partners are never deleted)',
        params: idParams,
        body: updatePartnerBody,
        response: { 200: partnerResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found', 'conflict') },
      },
    },
    async (request) => toPartnerResponse(await partners.updatePartner(ctx, request.params.id, request.body, actorOf(request))),
  );

  app.get(
    '/partners/:id/payout-details',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags: ['partners'],
        summary: 'The clear payout details (admin only)',
        params: idParams,
        response: {
          200: z.object({ partner_id: z.string(), payout_details: z.record(z.string(), z.string()).nullable() }),
          ...problemResponses('unauthorized', 'forbidden', 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const details = await partners.revealPayoutDetails(ctx, request.params.id);
      reply.header('cache-control', 'no-store');
      return { partner_id: request.params.id, payout_details: details };
    },
  );
};

export function toPartnerResponse(row: partners.ListedPartner) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    payout_details: partners.maskedPayoutDetailsOf(row),
    status: row.status,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}
