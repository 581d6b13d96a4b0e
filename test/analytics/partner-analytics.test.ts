import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedDataset } from './dataset.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDataset(t.api);
});
afterAll(async () => t.close());

describe('GET /analytics/partner/:partnerId', () => {
  it("gives a partner's exact figures for a period, month by month, each deal with its own model", async () => {
    const res = await t.api.get('/analytics/partner/a?start_date=2024-01-01&end_date=2024-12-31');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      partner: { id: 'a', name: 'Alice', email: 'a@example.com', status: 'active' },
      period: { start_date: '2024-01-01T00:00:00.000Z', end_date: '2024-12-31T23:59:59.999Z' },
      currency: 'USD',
      totals: { deals: 3, attributed_revenue: 666.67, avg_percentage: 30.56, touchpoints: 4 },
      monthly: [
        { month: '2024-01', deals: 1, attributed_revenue: 416.67 },
        { month: '2024-02', deals: 2, attributed_revenue: 250 },
      ],
      // Its touchpoints by timestamp, on any deal (the lost d6 too).
      touchpoints: [
        { touchpoint_type: 'closer', count: 2 },
        { touchpoint_type: 'referral', count: 1 },
        { touchpoint_type: 'demo', count: 1 },
      ],
      deals: [
        { deal_id: 'd3', amount: 300, currency: 'USD', closed_date: '2024-02-15T12:00:00.000Z', model: 'first-touch', percentage: 0, payout: 0 },
        { deal_id: 'd2', amount: 500, currency: 'USD', closed_date: '2024-02-01T00:00:00.000Z', model: 'equal', percentage: 50, payout: 250 },
        { deal_id: 'd1', amount: 1000, currency: 'USD', closed_date: '2024-01-31T23:59:59.999Z', model: 'role-based', percentage: 41.67, payout: 416.67 },
      ],
    });
  });

  it('splits months correctly over a ragged period', async () => {
    const body = (await t.api.get('/analytics/partner/a?start_date=2024-01-31T23:59:59.999Z&end_date=2024-02-01T00:00:00Z')).json();
    expect(body.monthly).toEqual([
      { month: '2024-01', deals: 1, attributed_revenue: 416.67 },
      { month: '2024-02', deals: 1, attributed_revenue: 250 },
    ]);
    expect(body.totals).toMatchObject({ deals: 2, attributed_revenue: 666.67, touchpoints: 0 });
  });

  it('counts another currency when asked, and limits the deal list', async () => {
    const eur = (await t.api.get('/analytics/partner/b?currency=EUR')).json();
    expect(eur.totals).toEqual({ deals: 1, attributed_revenue: 700, avg_percentage: 100, touchpoints: 3 });
    expect(eur.deals.map((deal: { deal_id: string }) => deal.deal_id)).toEqual(['d5']);
    const limited = (await t.api.get('/analytics/partner/a?deals_limit=1')).json();
    expect(limited.deals.map((deal: { deal_id: string }) => deal.deal_id)).toEqual(['d3']);
    expect(limited.totals.deals).toBe(3);
  });

  it('answers 404 for an unknown partner and 400 for a reversed period', async () => {
    expect((await t.api.get('/analytics/partner/nobody')).statusCode).toBe(404);
    expect((await t.api.get('/analytics/partner/a?start_date=2024-02-01&end_date=2024-01-01')).statusCode).toBe(400);
  });
});

describe('GET /partners/:id stats', () => {
  it('gives the attributed revenue per currency, over all time', async () => {
    const body = (await t.api.get('/partners/b')).json();
    // b: d1 583.33 + d7 50 in USD, d5 700 in EUR.
    expect(body.stats).toEqual({ deals: 3, touchpoints: 3, attributed_revenue: { EUR: 700, USD: 633.33 } });
    expect((await t.api.get('/partners/c')).json().stats.attributed_revenue).toEqual({ USD: 550 });
  });

  it('follows a deal that changes currency', async () => {
    await t.api.patch('/deals/d7', { currency: 'EUR' });
    expect((await t.api.get('/partners/b')).json().stats.attributed_revenue).toEqual({ EUR: 750, USD: 583.33 });
    await t.api.patch('/deals/d7', { currency: 'USD' });
  });
});
