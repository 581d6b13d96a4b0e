import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServiceContext } from '../../services/context.js';
import { PAYOUT_COLUMNS, payoutRows } from '../../services/analytics/payout-export.js';
import { csvStream } from '../csv.js';
import { problemResponses } from '../problem.js';
import { ownPartnerOnly } from '../partner-scope.js';
import { currencySchema, idSchema } from '../schemas.js';
import { periodQuery } from './analytics.js';

export const exportRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/exports/payouts.csv',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags: ['analytics'],
        summary: 'Payouts for finance: one CSV row per (partner, deal) of every won deal closed in the period',
        description:
          `Columns: ${PAYOUT_COLUMNS.join(', ')}. Money in major units with the currency's decimals. ` +
          "A partner-bound key gets its own partner's rows only. " +
          "A text cell starting with = + - @, tab or carriage return gets a leading ' so no spreadsheet runs it.",
        querystring: periodQuery({
          currency: currencySchema.optional().describe('Only deals in this currency; all when absent'),
          partner_id: idSchema.optional().describe("Only this partner's rows"),
        }),
        produces: ['text/csv'],
        response: problemResponses('unauthorized', 'forbidden', 'not_found'),
      },
    },
    async (request, reply) => {
      const { start_date, end_date, currency } = request.query;
      const ownPartner = request.principal?.partnerId ?? undefined;
      const partnerId = ownPartner !== undefined ? ownPartnerOnly(request.principal, request.query.partner_id ?? ownPartner) : request.query.partner_id;
      const rows = payoutRows(ctx, { from: start_date, to: end_date, currency, partnerId });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="payouts.csv"')
        .send(csvStream(rows, PAYOUT_COLUMNS));
    },
  );
};
