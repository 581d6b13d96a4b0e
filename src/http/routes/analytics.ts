import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { toMajorUnits } from '../../domain/money.js';
import { majorUnitsJson } from '../json-decimal.js';
import { getAnalytics } from '../../services/analytics/overview.js';
import { getPartnerAnalytics } from '../../services/analytics/partner.js';
import type { ServiceContext } from '../../services/context.js';
import { ownPartnerOnly } from '../partner-scope.js';
import { problemResponses } from '../problem.js';
import { currencySchema, dateRangeQuery, idSchema, isoTimestamp, toIso } from '../schemas.js';

/**
 * `start_date` and `end_date` (both inclusive, a date-only end meaning the whole day) plus
 * `extra`; an end before the start is a 400 naming `end_date`.
 */
export function periodQuery<T extends z.ZodRawShape>(extra: T) {
  return z
    .object({ ...dateRangeQuery, ...extra })
    .refine((query) => endNotBeforeStart(query as PeriodBounds), { message: 'must not be before start_date', path: ['end_date'] });
}

interface PeriodBounds {
  start_date?: number | undefined;
  end_date?: number | undefined;
}

const endNotBeforeStart = ({ start_date, end_date }: PeriodBounds) =>
  start_date === undefined || end_date === undefined || start_date <= end_date;

const periodResponse = z.object({
  start_date: isoTimestamp.nullable().describe('Inclusive; null when open'),
  end_date: isoTimestamp.nullable().describe('Inclusive; null when open'),
});

export const toPeriodResponse = (period: { from?: number | undefined; to?: number | undefined }) => ({
  start_date: period.from === undefined ? null : toIso(period.from),
  end_date: period.to === undefined ? null : toIso(period.to),
});

const limit = (fallback: number) => z.coerce.number().int().min(1).max(1000).default(fallback);
const currencyQuery = currencySchema.optional().describe('Money figures count only deals in it; DEFAULT_CURRENCY when absent');

const analyticsResponse = z.object({
  period: periodResponse,
  currency: z.string(),
  overview: z.object({
    total_deals: z.number().int(),
    total_revenue: z.number(),
    avg_deal_size: z.number(),
    attributed_revenue: z.number().describe('Revenue of won deals with at least one touchpoint'),
    unattributed_revenue: z.number(),
    active_partners: z.number().int().describe('Partners credited on at least one won deal of the period'),
    touchpoints: z.number().int().describe('Touchpoints whose timestamp is in the period, any deal'),
  }),
  monthly: z
    .array(
      z.object({
        month: z.string().meta({ example: '2024-01' }),
        deals: z.number().int(),
        revenue: z.number(),
        attributed_revenue: z.number(),
      }),
    )
    .describe('Won deals by UTC month of closing, from the first month with a deal to the last, empty months included'),
  partners: z.array(
    z.object({
      partner_id: z.string(),
      name: z.string(),
      deals: z.number().int(),
      attributed_revenue: z.number(),
      avg_percentage: z.number(),
    }),
  ),
  models: z.array(z.object({ model: z.string(), deals: z.number().int(), revenue: z.number() })),
  touchpoints: z.array(z.object({ touchpoint_type: z.string(), count: z.number().int() })),
  recent_deals: z.array(
    z.object({
      id: z.string(),
      amount: z.number(),
      currency: z.string(),
      closed_date: isoTimestamp,
      attribution_model: z.string(),
      touchpoints: z.number().int(),
    }),
  ),
});

const partnerAnalyticsResponse = z.object({
  partner: z.object({ id: z.string(), name: z.string(), email: z.string(), status: z.string() }),
  period: periodResponse,
  currency: z.string(),
  totals: z.object({
    deals: z.number().int(),
    attributed_revenue: z.number(),
    avg_percentage: z.number(),
    touchpoints: z.number().int(),
  }),
  monthly: z.array(z.object({ month: z.string().meta({ example: '2024-01' }), deals: z.number().int(), attributed_revenue: z.number() })),
  touchpoints: z.array(z.object({ touchpoint_type: z.string(), count: z.number().int() })),
  deals: z.array(
    z.object({
      deal_id: z.string(),
      amount: z.number(),
      currency: z.string(),
      closed_date: isoTimestamp,
      model: z.string(),
      percentage: z.number(),
      payout: z.number(),
    }),
  ),
});

export const analyticsRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/analytics',
    {
      config: { auth: { scope: 'read' } },
      schema: {
        tags: ['analytics'],
        summary: 'Revenue, partner ranking, model usage and touchpoint mix over a period',
        querystring: periodQuery({
          currency: currencyQuery,
          partners_limit: limit(20).describe('How many partners the ranking lists (1-1000)'),
        }),
        response: { 200: analyticsResponse, ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { start_date, end_date, partners_limit } = request.query;
      const currency = request.query.currency ?? ctx.defaultCurrency;
      const period = { from: start_date, to: end_date };
      const analytics = await getAnalytics(ctx, { period, currency, partnersLimit: partners_limit });
      return { period: toPeriodResponse(period), currency, ...toAnalyticsResponse(analytics, currency) };
    },
  );

  app.get(
    '/analytics/partner/:partnerId',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags: ['analytics'],
        summary: "One partner's attributed revenue, month by month, with its deals and touchpoints",
        params: z.object({ partnerId: idSchema }),
        querystring: periodQuery({
          currency: currencyQuery,
          deals_limit: limit(100).describe('How many of its deals, most recent first, to list (1-1000)'),
        }),
        response: { 200: partnerAnalyticsResponse, ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request) => {
      const partnerId = ownPartnerOnly(request.principal, request.params.partnerId);
      const { start_date, end_date, deals_limit } = request.query;
      const currency = request.query.currency ?? ctx.defaultCurrency;
      const period = { from: start_date, to: end_date };
      const analytics = await getPartnerAnalytics(ctx, partnerId, { period, currency, dealsLimit: deals_limit });
      return { period: toPeriodResponse(period), currency, ...toPartnerAnalyticsResponse(analytics, currency) };
    },
  );
};

function toAnalyticsResponse(analytics: Awaited<ReturnType<typeof getAnalytics>>, currency: string) {
  const major = (minor: bigint) => majorUnitsJson(minor, currency);
  const { overview } = analytics;
  return {
    overview: {
      total_deals: overview.total_deals,
      total_revenue: major(overview.total_revenue_minor),
      avg_deal_size: major(overview.avg_deal_size_minor),
      attributed_revenue: major(overview.attributed_revenue_minor),
      unattributed_revenue: major(overview.unattributed_revenue_minor),
      active_partners: overview.active_partners,
      touchpoints: overview.touchpoints,
    },
    monthly: analytics.monthly.map((row) => ({
      month: row.month,
      deals: row.deals,
      revenue: major(row.revenue_minor),
      attributed_revenue: major(row.attributed_revenue_minor),
    })),
    partners: analytics.partners.map((row) => ({
      partner_id: row.partner_id,
      name: row.name,
      deals: row.deals,
      attributed_revenue: major(row.attributed_revenue_minor),
      avg_percentage: row.avg_basis_points / 100,
    })),
    models: analytics.models.map((row) => ({ model: row.model, deals: row.deals, revenue: major(row.revenue_minor) })),
    touchpoints: analytics.touchpoints,
    recent_deals: analytics.recentDeals.map((deal) => ({
      id: deal.deal_id,
      amount: toMajorUnits(deal.amount_minor, deal.currency),
      currency: deal.currency,
      closed_date: toIso(deal.closed_at),
      attribution_model: deal.model,
      touchpoints: deal.touchpoints,
    })),
  };
}

function toPartnerAnalyticsResponse(analytics: Awaited<ReturnType<typeof getPartnerAnalytics>>, currency: string) {
  const major = (minor: bigint) => majorUnitsJson(minor, currency);
  const { partner, totals } = analytics;
  return {
    partner: { id: partner.id, name: partner.name, email: partner.email, status: partner.status },
    totals: {
      deals: totals.deals,
      attributed_revenue: major(totals.attributed_revenue_minor),
      avg_percentage: totals.avg_basis_points / 100,
      touchpoints: totals.touchpoints,
    },
    monthly: analytics.monthly.map((row) => ({ month: row.month, deals: row.deals, attributed_revenue: major(row.attributed_revenue_minor) })),
    touchpoints: analytics.touchpoints,
    deals: analytics.deals.map((deal) => ({
      deal_id: deal.deal_id,
      amount: toMajorUnits(deal.amount_minor, deal.currency),
      currency: deal.currency,
      closed_date: toIso(deal.closed_at),
      model: deal.model ?? '',
      percentage: deal.basis_points / 100,
      payout: toMajorUnits(deal.payout_minor, deal.currency),
    })),
  };
}
