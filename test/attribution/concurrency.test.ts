import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createPartners, jan } from './fixtures.js';

/**
 * Writes racing each other on one deal. On PostgreSQL the app's connection pool runs these
 * requests in concurrent transactions; on SQLite they queue. Either way each stored result
 * must end current (equal to a fresh computation) and the analytics must add up.
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await createPartners(t.api, ['p1', 'p2', 'p3']);
});
afterAll(async () => t.close());

const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'];
const touchpoint = (dealId: string, n: number) => ({
  partner_id: `p${(n % 3) + 1}`,
  deal_id: dealId,
  touchpoint_type: TYPES[n % TYPES.length],
  timestamp: jan(1 + (n % 20)),
});

async function expectCurrent(dealId: string, touchpoints: number): Promise<void> {
  const stored = await attributionOf(t.api, dealId);
  const fresh = await attributionOf(t.api, dealId, '?recalculate=true');
  expect(stored.cached).toBe(true);
  expect(stored.attributions).toEqual(fresh.attributions);
  expect(stored.attributions.reduce((sum, line) => sum + line.touchpoints, 0)).toBe(touchpoints);
}

describe('concurrent writes', () => {
  it('a deal created while its touchpoints arrive ends with all of them counted', async () => {
    for (let round = 0; round < 5; round++) {
      const dealId = `race-${round}`;
      const answers = await Promise.all([
        ...Array.from({ length: 6 }, (_, n) => t.api.post('/events', touchpoint(dealId, n))),
        t.api.post('/deals', { id: dealId, amount: 1000, closed_date: jan(25), attribution_model: 'linear' }),
        t.api.post('/events/batch', { events: Array.from({ length: 5 }, (_, n) => touchpoint(dealId, 6 + n)) }),
        ...Array.from({ length: 4 }, (_, n) => t.api.post('/events', touchpoint(dealId, 11 + n))),
      ]);
      expect(answers.map((res) => res.statusCode).filter((status) => status >= 300)).toEqual([]);
      await expectCurrent(dealId, 15);
    }
  });

  it('a settings change racing touchpoint writes leaves no result computed under the old settings', async () => {
    const deals = ['s-1', 's-2', 's-3'];
    for (const id of deals) await t.api.post('/deals', { id, amount: 500, closed_date: jan(25), attribution_model: 'role-based' });
    const answers = await Promise.all([
      ...deals.flatMap((id) => Array.from({ length: 4 }, (_, n) => t.api.post('/events', touchpoint(id, n)))),
      t.api.patch('/settings', { role_weights: { demo: 70 } }),
      ...deals.map((id) => t.api.post('/events/batch', { events: Array.from({ length: 3 }, (_, n) => touchpoint(id, 4 + n)) })),
      t.api.patch('/settings', { role_weights: { referral: 5 } }),
    ]);
    expect(answers.map((res) => res.statusCode).filter((status) => status >= 300)).toEqual([]);
    for (const id of deals) await expectCurrent(id, 7);
    const analytics = (await t.api.get('/analytics?partners_limit=1000')).json();
    let paid = 0;
    for (const id of [...deals, ...Array.from({ length: 5 }, (_, round) => `race-${round}`)]) {
      paid += (await attributionOf(t.api, id)).attributions.reduce((sum, line) => sum + Math.round(line.payout * 100), 0);
    }
    expect(analytics.partners.reduce((sum: number, row: { attributed_revenue: number }) => sum + Math.round(row.attributed_revenue * 100), 0)).toBe(paid);
  });
});
