import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, jan, touch, type AttributionBody } from '../attribution/fixtures.js';
import { seedHistory } from './fixtures.js';

const MODELS = ['equal', 'first-touch', 'last-touch', 'role-based', 'time-decay', 'linear', 'position-based', 'markov', 'shapley'];
const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'];

interface ExplanationBody {
  deal_id: string;
  model: string;
  total_amount: number;
  settings: { lookback_days: number | null; role_weights?: Record<string, number>; half_life_days?: number };
  fit?: { version: number };
  fallback?: 'equal';
  partners: {
    partner_id: string;
    partner_name: string;
    weight: number;
    share: { numerator: string; denominator: string };
    exact_payout: string;
    payout: number;
    rounding_units: number;
    percentage: number;
    touchpoints: { id: string; partner_id: string; touchpoint_type: string; timestamp: string; weight: number; rule: string }[];
  }[];
  excluded: { id: string }[];
  rounding: { method: string; leftover_units: number; tie_break: string };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await seedHistory(t.api, 'role-based');
});
afterAll(async () => t.close());

async function explain(dealId: string, query = '', api = t.api): Promise<ExplanationBody> {
  const res = await api.get(`/attribution/${dealId}/explain${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** The explanation pays exactly what GET /attribution serves, partner by partner, in the same order. */
function expectSamePayouts(explained: ExplanationBody, served: AttributionBody) {
  expect(explained.partners.map((p) => [p.partner_id, p.payout, p.percentage])).toEqual(
    served.attributions.map((line) => [line.partner_id, line.payout, line.percentage]),
  );
  expect(explained.fallback).toEqual(served.fallback);
}

describe('GET /attribution/:dealId/explain', () => {
  it('explains a role-based deal: weights, exact shares, rounding and every touchpoint with its rule', async () => {
    const body = await explain('target');
    expect(body).toMatchObject({
      deal_id: 'target',
      model: 'role-based',
      total_amount: 1000,
      settings: { lookback_days: null, role_weights: { closer: 35, referral: 25, demo: 15 } },
      rounding: { method: 'largest-remainder' },
    });
    expect(body).not.toHaveProperty('fit');
    const c = body.partners.find((p) => p.partner_id === 'c')!;
    expect(c).toMatchObject({ weight: 35, share: { numerator: '7', denominator: '15' }, payout: 466.67, rounding_units: 1 });
    expect(c.exact_payout).toMatch(/^466\.666/);
    expect(c.touchpoints).toHaveLength(1);
    expect(c.touchpoints[0]).toMatchObject({ touchpoint_type: 'closer', weight: 35, timestamp: jan(20).replace('Z', '.000Z') });
    expect(c.touchpoints[0]!.rule).toContain('closer');
    expect(c.touchpoints[0]!.id).toMatch(/\S/);
    expectSamePayouts(body, await attributionOf(t.api, 'target'));
  });

  it('explains markov with the fit it used', async () => {
    const body = await explain('target', '?model=markov');
    expect(body.fit).toMatchObject({ version: 1 });
    expect(body.partners.flatMap((p) => p.touchpoints.map((tp) => tp.rule)).join(' ')).toContain('fit 1');
    expectSamePayouts(body, await attributionOf(t.api, 'target', '?model=markov'));
  });

  it('lists the touchpoints a lookback window leaves out', async () => {
    const body = await explain('target', '?lookback_days=10');
    expect(body.settings.lookback_days).toBe(10);
    expect(body.excluded).toHaveLength(1);
    expect(body.partners.map((p) => p.partner_id).sort()).toEqual(['b', 'c']);
  });

  it('shows a partner-bound key only its own entry, and a 404 for a deal it never touched', async () => {
    const key = await t.createKey(['read'], 'b');
    const body = await explain('target', '', t.as(key));
    expect(body.partners.map((p) => p.partner_id)).toEqual(['b']);
    expect(body.rounding.tie_break).not.toMatch(/\b[ac]\b/);
    const own = await t.as(key).get('/attribution/target');
    expect(body.partners[0]!.payout).toBe(own.json().attributions[0].payout);
    const other = await t.createKey(['read'], 'd');
    expect((await t.as(other).get('/attribution/target/explain')).statusCode).toBe(404);
  });

  it('answers 404 for an unknown deal, 409 for a lost one and 400 for an unknown model', async () => {
    expect((await t.api.get('/attribution/nope/explain')).statusCode).toBe(404);
    expect((await t.api.get('/attribution/h3/explain')).json()).toMatchObject({ code: 'deal_not_won' });
    const bad = await t.api.get('/attribution/target/explain?model=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toContain('model');
  });

  it('explains exactly the served payouts, for every model, on random deals (stored and what-if)', async () => {
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          amount: fc.integer({ min: 1, max: 10_000_000 }),
          currency: fc.constantFrom('USD', 'JPY', 'EUR'),
          model: fc.constantFrom(...MODELS),
          touchpoints: fc.array(
            fc.tuple(fc.constantFrom('a', 'b', 'c', 'd'), fc.constantFrom(...TYPES), fc.integer({ min: 1, max: 24 })),
            { minLength: 0, maxLength: 7 },
          ),
          lookback: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
        }),
        async ({ amount, currency, model, touchpoints, lookback }) => {
          const id = `rand-${++serial}`;
          await touch(t.api, id, touchpoints.map(([partner, type, day]) => [partner, type, jan(day)] as const));
          const major = currency === 'JPY' ? amount : amount / 100;
          await createDeal(t.api, { id, amount: major, currency, closed_date: jan(25), attribution_model: model });
          for (const query of ['', `?model=${MODELS[serial % MODELS.length]}`, ...(lookback === undefined ? [] : [`?lookback_days=${lookback}`])]) {
            const served = await attributionOf(t.api, id, query);
            const explained = await explain(id, query);
            expectSamePayouts(explained, served);
            const units = currency === 'JPY' ? 1 : 100;
            const total = explained.partners.reduce((sum, p) => sum + Math.round(p.payout * units), 0);
            if (explained.partners.length > 0) expect(total).toBe(amount);
            expect(explained.rounding.leftover_units).toBe(explained.partners.reduce((sum, p) => sum + p.rounding_units, 0));
          }
        },
      ),
      { numRuns: 40, seed: 8 },
    );
  });
});
