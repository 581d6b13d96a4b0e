import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dayOf, yearOf } from '../../src/services/analytics/buckets.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Model-based check of the write-time bookkeeping: after random sequences of every kind of
 * write, each stored result equals a fresh computation, and /analytics over random periods
 * (ragged or whole days and months) equals the same figures added up by brute force from the
 * per-deal attributions and the touchpoints.
 */
const PARTNERS = ['p0', 'p1', 'p2', 'p3'];
const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'] as const;
const MODELS = ['equal', 'first-touch', 'last-touch', 'role-based', 'time-decay', 'linear', 'position-based'] as const;
const START = Date.parse('2024-01-01T00:00:00Z');
const SPAN = Date.parse('2024-05-01T00:00:00Z') - START;

let t: TestApp;
let run = 0;
beforeAll(async () => {
  t = await startTestApp();
  for (const id of PARTNERS) await t.api.post('/partners', { id, name: `Partner ${id}`, email: `${id}@example.com` });
});
afterAll(async () => t.close());

const instant = fc.integer({ min: -30 * 86_400_000, max: SPAN - 1 }).map((offset) => new Date(START + offset).toISOString());
const dealIndex = fc.integer({ min: 0, max: 5 });
const event = fc.record({ partner: fc.constantFrom(...PARTNERS), deal: dealIndex, type: fc.constantFrom(...TYPES), at: instant });
const operation = fc.oneof(
  event.map((value) => ({ kind: 'event' as const, ...value })),
  fc.array(event, { minLength: 1, maxLength: 8 }).map((events) => ({ kind: 'batch' as const, events })),
  fc.nat().map((pick) => ({ kind: 'delete' as const, pick })),
  fc
    .record({
      deal: dealIndex,
      cents: fc.integer({ min: 1, max: 10_000_000 }),
      currency: fc.constantFrom('USD', 'EUR'),
      model: fc.constantFrom(...MODELS),
      status: fc.constantFrom('won', 'won', 'lost'),
      closed: instant,
    })
    .map((value) => ({ kind: 'deal' as const, ...value })),
  fc
    .record({
      deal: dealIndex,
      change: fc.oneof(
        fc.integer({ min: 1, max: 10_000_000 }).map((cents) => ({ amount: cents / 100 })),
        fc.constantFrom({ currency: 'USD' }, { currency: 'EUR' }, { status: 'won' }, { status: 'lost' }),
        fc.constantFrom(...MODELS).map((attribution_model) => ({ attribution_model })),
        instant.map((closed_date) => ({ closed_date })),
      ),
    })
    .map((value) => ({ kind: 'patch' as const, ...value })),
  fc.oneof(
    fc.record({ closer: fc.integer({ min: 1, max: 60 }), demo: fc.integer({ min: 0, max: 60 }) }).map((role_weights) => ({ role_weights })),
    fc.constantFrom(0.5, 3, 7, 30).map((half_life_days) => ({ half_life_days })),
  ).map((settings) => ({ kind: 'settings' as const, settings })),
);

type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

async function apply(ops: readonly Operation[], prefix: string): Promise<void> {
  const dealId = (index: number) => `${prefix}-d${index}`;
  for (const op of ops) {
    if (op.kind === 'event') {
      await t.api.post('/events', { partner_id: op.partner, deal_id: dealId(op.deal), touchpoint_type: op.type, timestamp: op.at });
    } else if (op.kind === 'batch') {
      const events = op.events.map((e) => ({ partner_id: e.partner, deal_id: dealId(e.deal), touchpoint_type: e.type, timestamp: e.at }));
      expect((await t.api.post('/events/batch', { events })).statusCode).toBe(201);
    } else if (op.kind === 'delete') {
      const mine = (await t.api.get('/events?limit=1000')).json().data.filter((e: { deal_id: string }) => e.deal_id.startsWith(`${prefix}-`));
      if (mine.length > 0) expect((await t.api.delete(`/events/${mine[op.pick % mine.length].id}`)).statusCode).toBe(204);
    } else if (op.kind === 'deal') {
      const body = { id: dealId(op.deal), amount: op.cents / 100, currency: op.currency, attribution_model: op.model, status: op.status, closed_date: op.closed };
      expect([201, 409]).toContain((await t.api.post('/deals', body)).statusCode);
    } else if (op.kind === 'patch') {
      expect([200, 404]).toContain((await t.api.patch(`/deals/${dealId(op.deal)}`, op.change)).statusCode);
    } else {
      expect((await t.api.patch('/settings', op.settings)).statusCode).toBe(200);
    }
  }
}

interface Deal { id: string; amount: number; currency: string; closed_date: string; attribution_model: string; status: string }
interface Line { partner_id: string; percentage: number; payout: number }
const cents = (value: number) => Math.round(value * 100);

/** Every deal with its stored attribution, checked against a fresh computation on the way. */
async function storedWorld() {
  const deals: Deal[] = (await t.api.get('/deals?limit=1000')).json().data;
  const attributions = new Map<string, Line[]>();
  for (const deal of deals.filter((d) => d.status === 'won')) {
    const stored = (await t.api.get(`/attribution/${deal.id}`)).json();
    const fresh = (await t.api.get(`/attribution/${deal.id}?recalculate=true`)).json();
    expect(stored.cached, deal.id).toBe(true);
    expect(stored.attributions, deal.id).toEqual(fresh.attributions);
    attributions.set(deal.id, stored.attributions);
  }
  const events: { touchpoint_type: string; timestamp: string }[] = (await t.api.get('/events?limit=1000')).json().data;
  return { deals, attributions, events };
}

function bruteForce(world: Awaited<ReturnType<typeof storedWorld>>, from: number, to: number, currency: string) {
  const inPeriod = (iso: string) => Date.parse(iso) >= from && Date.parse(iso) <= to;
  const deals = world.deals.filter((d) => d.status === 'won' && d.currency === currency && inPeriod(d.closed_date));
  const partners = new Map<string, { deals: number; payout: number; bp: number }>();
  const models = new Map<string, { deals: number; revenue: number }>();
  let attributed = 0;
  for (const deal of deals) {
    const lines = world.attributions.get(deal.id) ?? [];
    if (lines.length > 0) attributed += cents(deal.amount);
    const model = models.get(deal.attribution_model) ?? { deals: 0, revenue: 0 };
    models.set(deal.attribution_model, { deals: model.deals + 1, revenue: model.revenue + cents(deal.amount) });
    for (const line of lines) {
      const row = partners.get(line.partner_id) ?? { deals: 0, payout: 0, bp: 0 };
      partners.set(line.partner_id, { deals: row.deals + 1, payout: row.payout + cents(line.payout), bp: row.bp + cents(line.percentage) });
    }
  }
  const touchpoints = new Map<string, number>();
  for (const e of world.events.filter((e) => inPeriod(e.timestamp))) touchpoints.set(e.touchpoint_type, (touchpoints.get(e.touchpoint_type) ?? 0) + 1);
  const total = deals.reduce((sum, d) => sum + cents(d.amount), 0);
  const recent = [...deals].sort((a, b) => Date.parse(b.closed_date) - Date.parse(a.closed_date) || (a.id < b.id ? -1 : 1));
  return {
    total_deals: deals.length,
    total_revenue: total,
    attributed_revenue: attributed,
    active_partners: partners.size,
    touchpoints: [...touchpoints].sort(([a, x], [b, y]) => y - x || TYPES.indexOf(a as never) - TYPES.indexOf(b as never)),
    partners: [...partners]
      .sort(([a, x], [b, y]) => y.payout - x.payout || (a < b ? -1 : 1))
      .map(([id, row]) => [id, row.deals, row.payout, Math.round(row.bp / row.deals)]),
    models: [...models].sort(([a, x], [b, y]) => y.revenue - x.revenue || y.deals - x.deals || (a < b ? -1 : 1)).map(([m, row]) => [m, row.deals, row.revenue]),
    recent_deals: recent.slice(0, 10).map((d) => [d.id, d.closed_date]),
  };
}

function answered(body: Record<string, never> & { overview: Record<string, number>; partners: { partner_id: string; deals: number; attributed_revenue: number; avg_percentage: number }[]; models: { model: string; deals: number; revenue: number }[]; touchpoints: { touchpoint_type: string; count: number }[]; recent_deals: { id: string; closed_date: string }[] }) {
  return {
    total_deals: body.overview.total_deals,
    total_revenue: cents(body.overview.total_revenue!),
    attributed_revenue: cents(body.overview.attributed_revenue!),
    active_partners: body.overview.active_partners,
    touchpoints: body.touchpoints.map((row) => [row.touchpoint_type, row.count]),
    partners: body.partners.map((row) => [row.partner_id, row.deals, cents(row.attributed_revenue), cents(row.avg_percentage)]),
    models: body.models.map((row) => [row.model, row.deals, cents(row.revenue)]),
    recent_deals: body.recent_deals.map((row) => [row.id, row.closed_date]),
  };
}

/** The daily and yearly partner rollups as stored, and as the stored shares add up: every write keeps them equal. */
async function partnerRollup(table: 'analytics_partner_days' | 'analytics_partner_years') {
  const rows = await t.db.selectFrom(table as 'analytics_partner_days').select(['currency', sql<number>`${sql.ref(table === 'analytics_partner_days' ? 'day' : 'year')}`.as('bucket'), 'partner_id', 'deals', 'payout', 'basis_points']).where('deals', '!=', 0).execute();
  return rows.map((row) => [row.currency, Number(row.bucket), row.partner_id, Number(row.deals), Number(row.payout), Number(row.basis_points)]).sort(byKey);
}

async function partnerRollupFromShares(bucketOf: (epochMs: number) => number) {
  const shares = await t.db.selectFrom('attribution_shares').select(['currency', 'closed_at', 'partner_id', 'payout', 'basis_points']).execute();
  const buckets = new Map<string, [string, number, string, number, number, number]>();
  for (const share of shares) {
    const bucket = bucketOf(Number(share.closed_at));
    const key = `${share.currency} ${bucket} ${share.partner_id}`;
    const row = buckets.get(key) ?? [share.currency, bucket, share.partner_id, 0, 0, 0];
    buckets.set(key, [row[0], row[1], row[2], row[3] + 1, row[4] + Number(share.payout), row[5] + Number(share.basis_points)]);
  }
  return [...buckets.values()].sort(byKey);
}

const byKey = (a: readonly unknown[], b: readonly unknown[]) => (String(a.slice(0, 3)) < String(b.slice(0, 3)) ? -1 : 1);

const period = fc.oneof(
  fc.tuple(instant, instant).map(([a, b]) => (a <= b ? [a, b] : [b, a])),
  fc.tuple(fc.integer({ min: 0, max: 119 }), fc.integer({ min: 0, max: 40 })).map(([day, length]) => [
    new Date(START + day * 86_400_000).toISOString().slice(0, 10),
    new Date(START + (day + length) * 86_400_000).toISOString().slice(0, 10),
  ]),
);

describe('stored results and analytics after random writes', () => {
  it('stay current and add up exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 3, maxLength: 14 }), fc.array(fc.tuple(period, fc.constantFrom('USD', 'EUR')), { minLength: 3, maxLength: 3 }), async (ops, periods) => {
        await apply(ops, `r${++run}`);
        const world = await storedWorld();
        for (const [[start, end], currency] of [...periods, [['2023-01-01', '2025-12-31'], 'USD'] as const]) {
          const res = await t.api.get(`/analytics?start_date=${start}&end_date=${end}&currency=${currency}&partners_limit=1000`);
          expect(res.statusCode, res.body).toBe(200);
          const body = res.json();
          const from = Date.parse(body.period.start_date);
          const to = Date.parse(body.period.end_date);
          expect(answered(body), `${start} … ${end} ${currency}`).toEqual(bruteForce(world, from, to, currency));
        }
        expect(await partnerRollup('analytics_partner_days')).toEqual(await partnerRollupFromShares(dayOf));
        expect(await partnerRollup('analytics_partner_years')).toEqual(await partnerRollupFromShares(yearOf));
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
