import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWriteMark } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** Issue 11, point 1: money never overflows or silently changes. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

describe('the maximum amount', () => {
  it('refuses an amount over the maximum with a 400 that names the maximum, storing nothing', async () => {
    const before = await databaseWriteMark(t.db);
    // 71000000000000.01 used to be stored as .02: past 15 digits a double no longer holds the cents.
    for (const amount of ['71000000000000.01', '50000000000000', '100000000000.01']) {
      const res = await t.api.inject({
        method: 'POST',
        url: '/deals',
        headers: { 'content-type': 'application/json' },
        payload: `{"amount":${amount},"currency":"USD"}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ path: 'amount', message: 'must be at most 100000000000.00 USD' }]);
    }
    const jpy = await t.api.post('/deals', { amount: 20_000_000_000_000, currency: 'JPY' });
    expect(jpy.json().errors).toEqual([{ path: 'amount', message: 'must be at most 10000000000000 JPY' }]);
    expect(await databaseWriteMark(t.db)).toBe(before);
  });

  it('refuses a change that would take an amount over the maximum', async () => {
    await t.api.post('/deals', { id: 'm-patch', amount: 10, currency: 'JPY' });
    // 10^13 JPY is fine; the same major amount in BHD (3 decimals) is 10^16 minor units.
    expect((await t.api.patch('/deals/m-patch', { amount: 10_000_000_000_000 })).statusCode).toBe(200);
    const res = await t.api.patch('/deals/m-patch', { currency: 'BHD' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0]).toEqual({ path: 'amount', message: 'must be at most 10000000000.000 BHD' });
    expect((await t.api.get('/deals/m-patch')).json()).toMatchObject({ amount: 10_000_000_000_000, currency: 'JPY' });
  });

  it('takes amounts up to the maximum and reads them back exactly, in 0, 2 and 3 decimals', async () => {
    for (const [currency, amount] of [['USD', 99_999_999_999.99], ['JPY', 10_000_000_000_000], ['BHD', 9_999_999_999.999], ['KWD', 10_000_000_000]] as const) {
      const res = await t.api.post('/deals', { amount, currency });
      expect(res.statusCode, currency).toBe(201);
      expect((await t.api.get(`/deals/${res.json().id}`)).json().amount).toBe(amount);
    }
  });
});

describe('sums past what a double holds', () => {
  // 901 deals of just under the maximum: 9 009 999 999 990 991 cents, past 2^53 (9 007 199 254 740 992).
  const DEALS = 901;
  const AMOUNT = 99_999_999_999.99;
  const TOTAL = '90099999999990.99';

  beforeAll(async () => {
    await t.api.post('/partners', { id: 'big-p', name: 'Big', email: 'big@example.com' });
    for (let start = 0; start < DEALS; start += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, DEALS - start) }, (_, n) =>
          t.api.post('/deals', { id: `big-${start + n}`, amount: AMOUNT, currency: 'EUR', closed_date: '2030-03-15T00:00:00Z' }),
        ),
      );
    }
    const events = Array.from({ length: DEALS }, (_, n) => ({
      partner_id: 'big-p',
      deal_id: `big-${n}`,
      touchpoint_type: 'closer',
      timestamp: '2030-03-01T00:00:00Z',
    }));
    expect((await t.api.post('/events/batch', { events })).statusCode).toBe(201);
  }, 120_000);

  it('/analytics answers with the exact totals, digit for digit', async () => {
    const res = await t.api.get('/analytics?currency=EUR&start_date=2030-01-01&end_date=2030-12-31');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`"total_revenue":${TOTAL}`);
    expect(res.body).toContain(`"attributed_revenue":${TOTAL}`);
    expect(res.body).toContain(`"avg_deal_size":${AMOUNT}`);
    expect(res.body).toContain(`"unattributed_revenue":0`);
    expect(res.json().partners[0]).toMatchObject({ partner_id: 'big-p', deals: DEALS });
  });

  it("the partner's stats and analytics answer with the exact totals", async () => {
    const stats = await t.api.get('/partners/big-p');
    expect(stats.statusCode).toBe(200);
    expect(stats.body).toContain(`"attributed_revenue":{"EUR":${TOTAL}}`);
    const analytics = await t.api.get('/analytics/partner/big-p?currency=EUR');
    expect(analytics.statusCode).toBe(200);
    expect(analytics.body).toContain(`"attributed_revenue":${TOTAL}`);
    expect(analytics.body).toContain(`{"month":"2030-03","deals":${DEALS},"attributed_revenue":${TOTAL}}`);
  });
});
