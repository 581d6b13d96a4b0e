import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dealPath, fitMarkov, fitShapley, MS_PER_DAY, type PartnerPath } from '../../src/domain/attribution/index.js';
import type { Touchpoint } from '../../src/domain/touchpoint.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createDeal, createPartners } from '../attribution/fixtures.js';
import { fitOf } from './fixtures.js';

/**
 * The refit reads every deal's path in the database (one joined string per deal, the lookback
 * window applied in SQL, on SQLite half of the deals on each of two threads): the stored fits must
 * be exactly the domain's fits of `dealPath` on the same touchpoints, window edges and
 * same-time touchpoints (recording order) included.
 */
const CLOSE = Date.parse('2024-03-01T12:00:00.000Z');
const WINDOW_DAYS = 7;
const EDGE = WINDOW_DAYS * MS_PER_DAY;
// Before the close: just outside the window, on its edge, just inside, well inside; 0 and −1 day: at and after the close.
const OFFSETS = [EDGE + 1, EDGE, EDGE - 1, 3 * MS_PER_DAY, MS_PER_DAY, MS_PER_DAY, 0, -MS_PER_DAY];
const PARTNERS = ['p1', 'p2', 'p3', 'p4', 'p5'];

let state = 11;
const random = (n: number) => ((state = (state * 48271) % 2147483647), state % n);
const deals = Array.from({ length: 40 }, (_, d) => ({
  id: `deal-${String(d).padStart(2, '0')}`,
  won: random(3) > 0,
  touchpoints: Array.from({ length: random(6) }, (_, sequence): Touchpoint => ({
    partnerId: PARTNERS[random(PARTNERS.length)] as string,
    type: 'referral',
    timestamp: CLOSE - (OFFSETS[random(OFFSETS.length)] as number),
    sequence,
  })),
}));
const pathsWithin = (lookbackDays: number | null): PartnerPath[] =>
  deals.map((deal) => dealPath({ closedAt: CLOSE, won: deal.won }, deal.touchpoints, lookbackDays));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await createPartners(t.api, PARTNERS);
  for (const deal of deals) {
    for (const touchpoint of deal.touchpoints) {
      const body = { partner_id: touchpoint.partnerId, deal_id: deal.id, touchpoint_type: touchpoint.type, timestamp: new Date(touchpoint.timestamp).toISOString() };
      const res = await t.api.post('/events', body);
      expect(res.statusCode, res.body).toBe(201);
    }
    await createDeal(t.api, { id: deal.id, amount: 100, status: deal.won ? 'won' : 'lost', closed_date: new Date(CLOSE).toISOString() });
  }
});
afterAll(async () => t.close());

// Sorted as text: the API orders by weight, the domain by id.
const sorted = (rows: unknown[][]) => rows.map((row) => JSON.stringify(row)).sort();

async function expectFitsOf(paths: PartnerPath[], version: number): Promise<void> {
  const markov = await fitOf(t.api, 'markov', '?limit=100000');
  const expected = fitMarkov(paths, version);
  expect(markov).toMatchObject({ version, won_deals: expected.wonDeals, lost_deals: expected.lostDeals, conversion: expected.conversion });
  expect(sorted((markov.partners as { partner_id: string; removal_effect: number }[]).map((p) => [p.partner_id, p.removal_effect]))).toEqual(
    sorted(expected.partners.map((p) => [p.partnerId, p.removalEffect])),
  );
  expect(sorted((markov.transitions as { from: string; to: string; count: number }[]).map((e) => [e.from, e.to, e.count]))).toEqual(
    sorted(expected.transitions.map((e) => [e.from, e.to, e.count])),
  );
  const shapley = await fitOf(t.api, 'shapley', '?limit=100000');
  expect(sorted((shapley.coalitions as { partner_ids: string[]; won: number; lost: number }[]).map((c) => [c.partner_ids, c.won, c.lost]))).toEqual(
    sorted(fitShapley(paths, version).coalitions.map((c) => [c.partnerIds, c.won, c.lost])),
  );
}

describe('the refit reads the stored paths', () => {
  it('without a window: every touchpoint, in time order and recording order for ties', async () => {
    await expectFitsOf(pathsWithin(null), 1);
  });

  it('with a window: the touchpoints at most lookback_days before the close, the edge included', async () => {
    expect((await t.api.patch('/settings', { lookback_days: WINDOW_DAYS })).statusCode).toBe(200);
    const paths = pathsWithin(WINDOW_DAYS);
    // The window changes the data: some deal lost a touchpoint to it, and some lost all of them.
    expect(paths).not.toEqual(pathsWithin(null));
    expect(paths.some((path, d) => path.partners.length === 0 && (deals[d]?.touchpoints.length ?? 0) > 0)).toBe(true);
    await expectFitsOf(paths, 2);
  });
});
