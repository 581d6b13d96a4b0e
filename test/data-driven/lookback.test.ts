import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, createPartners, jan, lines, touch } from '../attribution/fixtures.js';

/**
 * The lookback window for the rule-based models: in the settings (stored results follow a
 * change at once) and per request (`?lookback_days=`, computed, never stored).
 */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await createPartners(t.api, ['p1', 'p2']);
  // p1 on Jan 1 (19 days before the close), p2 on Jan 10 (exactly 10 days before).
  await touch(t.api, 'd1', [
    ['p1', 'referral', jan(1)],
    ['p2', 'demo', jan(10)],
  ]);
  await createDeal(t.api, { id: 'd1', amount: 1000, closed_date: jan(20), attribution_model: 'linear' });
});
afterAll(async () => t.close());

describe('lookback_days', () => {
  it('is null (no window) by default, in GET /settings', async () => {
    const res = await t.api.get('/settings');
    expect(res.json()).toMatchObject({ lookback_days: null });
    expect(lines(await attributionOf(t.api, 'd1'))).toEqual([
      ['p1', 50, 500],
      ['p2', 50, 500],
    ]);
  });

  it('per request: counts touchpoints at most that many days before the close (the edge included)', async () => {
    const body = await attributionOf(t.api, 'd1', '?lookback_days=10');
    expect(body.cached).toBe(false);
    expect(lines(body)).toEqual([['p2', 100, 1000]]);
    expect(lines(await attributionOf(t.api, 'd1', '?lookback_days=9.5'))).toEqual([]);
    // The stored answer is unchanged.
    expect(lines(await attributionOf(t.api, 'd1'))).toEqual([
      ['p1', 50, 500],
      ['p2', 50, 500],
    ]);
  });

  it('in the settings: the stored result follows the change at once, and `none` lifts it per request', async () => {
    const patched = await t.api.patch('/settings', { lookback_days: 10 });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ lookback_days: 10 });
    const stored = await attributionOf(t.api, 'd1');
    expect(lines(stored)).toEqual([['p2', 100, 1000]]);
    expect(stored.cached).toBe(true);
    expect(lines(await attributionOf(t.api, 'd1', '?recalculate=true'))).toEqual(lines(stored));
    expect(lines(await attributionOf(t.api, 'd1', '?lookback_days=none'))).toHaveLength(2);
    const compare = (await t.api.get('/attribution/d1/compare')).json();
    expect(compare.models['first-touch'].map((line: { partner_id: string }) => line.partner_id)).toEqual(['p2']);
  });

  it('a deal with every touchpoint outside the window answers no attributions', async () => {
    expect((await t.api.patch('/settings', { lookback_days: 0 })).statusCode).toBe(200);
    expect((await attributionOf(t.api, 'd1')).attributions).toEqual([]);
    expect((await t.api.patch('/settings', { lookback_days: null })).json()).toMatchObject({ lookback_days: null });
    expect(lines(await attributionOf(t.api, 'd1'))).toHaveLength(2);
  });

  it('analytics follow a settings change (the stored results are recomputed before they are summed)', async () => {
    const read = async () =>
      (await t.api.get('/analytics/partner/p1?start_date=2024-01-01&end_date=2024-12-31')).json();
    const before = await read();
    expect((await t.api.patch('/settings', { lookback_days: 10 })).statusCode).toBe(200);
    const after = await read();
    expect(JSON.stringify(after)).not.toEqual(JSON.stringify(before));
    expect((await t.api.patch('/settings', { lookback_days: null })).statusCode).toBe(200);
  });

  it.each([
    ['?lookback_days=-1', 'lookback_days'],
    ['?lookback_days=abc', 'lookback_days'],
    ['?lookback_days=36501', 'lookback_days'],
  ])('rejects %s with a 400 naming the field', async (query, field) => {
    const res = await t.api.get(`/attribution/d1${query}`);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.stringify(res.json().errors)).toContain(field);
  });

  it.each([[-1], ['10'], [36_501]])('rejects lookback_days %j in PATCH /settings', async (value) => {
    const res = await t.api.patch('/settings', { lookback_days: value });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0].path).toContain('lookback_days');
  });
});
