import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.js';
import { PAYOUT_COLUMNS, payoutRows } from '../../services/payout-export.js';
import { csvStream } from '../csv.js';
import { problemResponses } from '../problem.js';
import { currencySchema } from '../schemas.js';
import { periodQuery } from './analytics.js';

export const exportRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/exports/payouts.csv',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['analytics'],
        summary: 'Payouts for finance: one CSV row per (partner, deal) of every won deal closed in the period',
        description:
          `Columns: ${PAYOUT_COLUMNS.join(', ')}. Money in major units with the currency's decimals. ` +
          "A text cell starting with = + - @, tab or carriage return gets a leading ' so no spreadsheet runs it.",
        querystring: periodQuery({ currency: currencySchema.optional().describe('Only deals in this currency; all when absent') }),
        produces: ['text/csv'],
        response: problemResponses('unauthorized', 'forbidden'),
      },
    },
    async (request, reply) => {
      const { start_date, end_date, currency } = request.query;
      const rows = payoutRows(ctx, { from: start_date, to: end_date, currency });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="payouts.csv"')
        .send(csvStream(rows, PAYOUT_COLUMNS));
    },
  );
};
