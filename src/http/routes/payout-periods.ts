import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../../services/context.js';
import {
  createPayoutPeriod,
  listPayoutPeriodsPage,
  lockPayoutPeriod,
  markPayoutPeriodPaid,
  readPayoutPeriod,
  type PayoutPeriod,
} from '../../services/payouts/periods.js';
import { actorOf } from '../actor.js';
import { problemResponses } from '../problem.js';
import { idParams, isoTimestamp, paginated, paginationQuery, toIso } from '../schemas.js';

const dayInput = z.iso.date({ message: 'must be a date such as 2024-01-31 (UTC, inclusive)' }).meta({ example: '2024-01-31' });

export const payoutPeriodResponse = z
  .object({
    id: z.string(),
    start_date: z.string().describe('First day, inclusive (UTC)'),
    end_date: z.string().describe('Last day, inclusive (UTC)'),
    status: z.enum(['open', 'locked', 'paid']),
    created_at: isoTimestamp,
    locked_at: isoTimestamp.nullable(),
    paid_at: isoTimestamp.nullable(),
    payment_reference: z.string().nullable(),
  })
  .meta({ id: 'PayoutPeriod' });

const tags = ['payouts'];

export const payoutPeriodRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/payout-periods',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags,
        summary: 'Create an open payout period of whole UTC days; periods never overlap',
        body: z.strictObject({ start_date: dayInput, end_date: dayInput }),
        response: { 201: payoutPeriodResponse, ...problemResponses('unauthorized', 'forbidden', 'conflict') },
      },
    },
    async (request, reply) => reply.code(201).send(toPayoutPeriodResponse(await createPayoutPeriod(ctx, request.body, actorOf(request)))),
  );

  app.get(
    '/payout-periods',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags,
        summary: 'List payout periods, newest first',
        querystring: z.object(paginationQuery),
        response: { 200: paginated(payoutPeriodResponse), ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { data, total } = await listPayoutPeriodsPage(ctx, request.query);
      return { data: data.map(toPayoutPeriodResponse), pagination: { ...request.query, total } };
    },
  );

  app.get(
    '/payout-periods/:id',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags,
        summary: 'One payout period: its dates, status, and when it was locked and paid',
        params: idParams,
        response: { 200: payoutPeriodResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request) => toPayoutPeriodResponse(await readPayoutPeriod(ctx, request.params.id)),
  );

  app.post(
    '/payout-periods/:id/lock',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags,
        summary: 'Lock a period once its end date has passed: its lines are stored and never change; later changes become adjustments',
        params: idParams,
        response: { 200: payoutPeriodResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found', 'conflict') },
      },
    },
    async (request) => toPayoutPeriodResponse(await lockPayoutPeriod(ctx, request.params.id, actorOf(request))),
  );

  app.post(
    '/payout-periods/:id/paid',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags,
        summary: 'Mark a locked period paid, with an optional payment reference',
        params: idParams,
        body: z.strictObject({ payment_reference: z.string().trim().min(1).max(200).regex(/^[^\p{Cc}]*$/u, 'must not contain control characters').optional() }).nullish(),
        response: { 200: payoutPeriodResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found', 'conflict') },
      },
    },
    async (request) => {
      const reference = request.body?.payment_reference ?? null;
      return toPayoutPeriodResponse(await markPayoutPeriodPaid(ctx, request.params.id, reference, actorOf(request)));
    },
  );
};

export function toPayoutPeriodResponse(row: PayoutPeriod) {
  return {
    id: row.id,
    start_date: row.start_date,
    end_date: row.end_date,
    status: row.status,
    created_at: toIso(row.created_at),
    locked_at: row.locked_at === null ? null : toIso(row.locked_at),
    paid_at: row.paid_at === null ? null : toIso(row.paid_at),
    payment_reference: row.payment_reference,
  };
}
