import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { minorUnitsToDecimal, toMajorUnits } from '../../domain/money.js';
import type { ServiceContext } from '../../services/context.js';
import {
  getPartnerStatement,
  getPeriodStatements,
  listUnassignedAdjustmentsPage,
  type StatementAdjustment,
  type StatementLine,
} from '../../services/payouts/statements.js';
import { csvStream } from '../csv.js';
import { ownPartnerOnly } from '../partner-scope.js';
import { problemResponses } from '../problem.js';
import { idSchema, isoTimestamp, paginated, paginationQuery, toIso } from '../schemas.js';

const money = z.number().describe("Major units, with the currency's decimals");

const adjustmentResponse = z
  .object({
    id: z.string(),
    partner_id: z.string(),
    deal_id: z.string(),
    currency: z.string(),
    amount: money.describe('Positive or negative, major units'),
    reason: z.string().meta({ example: 'deal refunded' }),
    created_at: isoTimestamp,
    original_period_id: z.string().describe('The locked period whose deal it corrects'),
  })
  .meta({ id: 'PayoutAdjustment' });

const statementPeriod = z
  .object({ id: z.string(), start_date: z.string(), end_date: z.string(), locked_at: isoTimestamp.nullable() })
  .describe('Only what never changes once locked, so a locked statement reads the same bytes forever');

const partnerStatementResponse = z.object({
  period: statementPeriod,
  partner: z.object({ id: z.string(), name: z.string() }),
  lines: z.array(
    z.object({
      deal_id: z.string(),
      closed_date: isoTimestamp,
      amount: money.describe("The deal's amount"),
      currency: z.string(),
      model: z.string(),
      percentage: z.number(),
      payout: money,
    }),
  ),
  adjustments: z.array(adjustmentResponse),
  totals: z.array(z.object({ currency: z.string(), total: money })),
});

const CSV_COLUMNS = ['kind', 'deal_id', 'date', 'currency', 'deal_amount', 'model', 'percentage', 'amount', 'reason', 'original_period_id'] as const;

const statementParams = z.object({ id: idSchema, partnerId: idSchema });
const tags = ['payouts'];

export const payoutStatementRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/payout-periods/:id/statements',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags,
        summary: "Per partner and currency: the period's deal payouts, its adjustments and their total",
        description: 'Live while the period is open; what the lock stored once locked. A partner-bound key sees its own rows only.',
        params: z.object({ id: idSchema }),
        response: {
          200: z.object({
            period: statementPeriod,
            data: z.array(
              z.object({ partner_id: z.string(), partner_name: z.string(), currency: z.string(), deals_total: money, adjustments_total: money, total: money }),
            ),
          }),
          ...problemResponses('unauthorized', 'forbidden', 'not_found'),
        },
      },
    },
    async (request) => {
      const { period, data } = await getPeriodStatements(ctx, request.params.id, request.principal?.partnerId ?? undefined);
      const major = (minor: number, currency: string) => toMajorUnits(minor, currency);
      return {
        period: toStatementPeriod(period),
        data: data.map((row) => ({
          partner_id: row.partner_id,
          partner_name: row.partner_name,
          currency: row.currency,
          deals_total: major(row.deals_total_minor, row.currency),
          adjustments_total: major(row.adjustments_total_minor, row.currency),
          total: major(row.total_minor, row.currency),
        })),
      };
    },
  );

  app.get(
    '/payout-periods/:id/statements/:partnerId',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags,
        summary: "One partner's statement for the period: lines, adjustments, totals per currency; CSV with Accept: text/csv",
        params: statementParams,
        produces: ['application/json', 'text/csv'],
        response: { 200: partnerStatementResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request, reply) => {
      const partnerId = ownPartnerOnly(request.principal, request.params.partnerId);
      const statement = await getPartnerStatement(ctx, request.params.id, partnerId);
      const body = {
        period: toStatementPeriod(statement.period),
        partner: statement.partner,
        lines: statement.lines.map(toLineResponse),
        adjustments: statement.adjustments.map(toAdjustmentResponse),
        totals: statement.totals.map(({ currency, total_minor }) => ({ currency, total: toMajorUnits(total_minor, currency) })),
      };
      if (!wantsCsv(request.headers.accept)) return body;
      const filename = `statement-${statement.period.start_date}-${statement.period.end_date}-${partnerId}.csv`;
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${filename}"`)
        // A string is sent as it is (the JSON schema only shapes objects): the typed reply does not know that.
        .send((await toCsv(statement)) as unknown as typeof body);
    },
  );

  app.get(
    '/payout-adjustments/unassigned',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags,
        summary: 'Adjustments recorded when no period contained their date, oldest first; they join the first period created over that date',
        querystring: z.object({ partner_id: idSchema.optional(), ...paginationQuery }),
        response: { 200: paginated(adjustmentResponse), ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request) => {
      const own = request.principal?.partnerId ?? undefined;
      const partnerId = own !== undefined ? ownPartnerOnly(request.principal, request.query.partner_id ?? own) : request.query.partner_id;
      const { limit, offset } = request.query;
      const { data, total } = await listUnassignedAdjustmentsPage(ctx, { partnerId, limit, offset });
      return { data: data.map((row) => toAdjustmentResponse({ ...row, partner_name: '' })), pagination: { limit, offset, total } };
    },
  );
};

const wantsCsv = (accept: string | undefined) => accept !== undefined && /\btext\/csv\b/i.test(accept);

function toStatementPeriod(period: { id: string; start_date: string; end_date: string; locked_at: number | null }) {
  return { id: period.id, start_date: period.start_date, end_date: period.end_date, locked_at: period.locked_at === null ? null : toIso(period.locked_at) };
}

function toLineResponse(line: StatementLine) {
  return {
    deal_id: line.deal_id,
    closed_date: toIso(line.closed_at),
    amount: toMajorUnits(line.deal_amount_minor, line.currency),
    currency: line.currency,
    model: line.model,
    percentage: line.basis_points / 100,
    payout: toMajorUnits(line.payout_minor, line.currency),
  };
}

function toAdjustmentResponse(row: Omit<StatementAdjustment, 'partner_name'> & { partner_name?: string }) {
  return {
    id: row.id,
    partner_id: row.partner_id,
    deal_id: row.deal_id,
    currency: row.currency,
    amount: toMajorUnits(Number(row.amount_minor), row.currency),
    reason: row.reason,
    created_at: toIso(Number(row.created_at)),
    original_period_id: row.original_period_id,
  };
}

type PartnerStatement = Awaited<ReturnType<typeof getPartnerStatement>>;

/** Lines, then adjustments, then one total row per currency; money with the currency's decimals, written from the minor units. */
async function toCsv(statement: PartnerStatement): Promise<string> {
  const rows = [
    ...statement.lines.map((line) => ({
      kind: 'line',
      deal_id: line.deal_id,
      date: toIso(line.closed_at),
      currency: line.currency,
      deal_amount: minorUnitsToDecimal(line.deal_amount_minor, line.currency),
      model: line.model,
      // Basis points are hundredths of a percent.
      percentage: minorUnitsToDecimal(line.basis_points, 2),
      amount: minorUnitsToDecimal(line.payout_minor, line.currency),
    })),
    ...statement.adjustments.map((adjustment) => ({
      kind: 'adjustment',
      deal_id: adjustment.deal_id,
      date: toIso(Number(adjustment.created_at)),
      currency: adjustment.currency,
      amount: minorUnitsToDecimal(Number(adjustment.amount_minor), adjustment.currency),
      reason: adjustment.reason,
      original_period_id: adjustment.original_period_id,
    })),
    ...statement.totals.map(({ currency, total_minor }) => ({ kind: 'total', currency, amount: minorUnitsToDecimal(total_minor, currency) })),
  ];
  const cells = rows.map((row) => CSV_COLUMNS.map((column) => (row as Partial<Record<(typeof CSV_COLUMNS)[number], string>>)[column] ?? ''));
  const chunks: string[] = [];
  for await (const chunk of csvStream(cells, CSV_COLUMNS)) chunks.push(String(chunk));
  return chunks.join('');
}
