import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedDataset } from './dataset.js';

type Row = Record<string, string>;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDataset(t.api);
  // A name that needs quoting in CSV.
  await t.api.patch('/partners/c', { name: 'Carol "CJ", Inc.' });
});
afterAll(async () => t.close());

async function payouts(query = ''): Promise<Row[]> {
  const res = await t.api.get(`/exports/payouts.csv${query}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  expect(res.headers['content-disposition']).toBe('attachment; filename="payouts.csv"');
  return parse(res.body, { columns: true, skip_empty_lines: true }) as Row[];
}

describe('GET /exports/payouts.csv', () => {
  it('has one row per (partner, deal) of every won deal closed in the period, in closing order', async () => {
    const rows = await payouts('?start_date=2024-01-01&end_date=2024-12-31');
    expect(rows).toEqual([
      { deal_id: 'd1', closed_date: '2024-01-31T23:59:59.999Z', currency: 'USD', deal_amount: '1000.00', model: 'role-based', partner_id: 'b', partner_name: 'Bob', percentage: '58.33', payout: '583.33' },
      { deal_id: 'd1', closed_date: '2024-01-31T23:59:59.999Z', currency: 'USD', deal_amount: '1000.00', model: 'role-based', partner_id: 'a', partner_name: 'Alice', percentage: '41.67', payout: '416.67' },
      { deal_id: 'd2', closed_date: '2024-02-01T00:00:00.000Z', currency: 'USD', deal_amount: '500.00', model: 'equal', partner_id: 'a', partner_name: 'Alice', percentage: '50.00', payout: '250.00' },
      { deal_id: 'd2', closed_date: '2024-02-01T00:00:00.000Z', currency: 'USD', deal_amount: '500.00', model: 'equal', partner_id: 'c', partner_name: 'Carol "CJ", Inc.', percentage: '50.00', payout: '250.00' },
      { deal_id: 'd5', closed_date: '2024-02-10T10:00:00.000Z', currency: 'EUR', deal_amount: '700.00', model: 'equal', partner_id: 'b', partner_name: 'Bob', percentage: '100.00', payout: '700.00' },
      { deal_id: 'd3', closed_date: '2024-02-15T12:00:00.000Z', currency: 'USD', deal_amount: '300.00', model: 'first-touch', partner_id: 'c', partner_name: 'Carol "CJ", Inc.', percentage: '100.00', payout: '300.00' },
      { deal_id: 'd3', closed_date: '2024-02-15T12:00:00.000Z', currency: 'USD', deal_amount: '300.00', model: 'first-touch', partner_id: 'a', partner_name: 'Alice', percentage: '0.00', payout: '0.00' },
    ]);
  });

  it("adds up, deal by deal, to exactly each deal's amount", async () => {
    const byDeal = new Map<string, { amount: number; paid: number }>();
    for (const row of await payouts()) {
      const deal = byDeal.get(row.deal_id!) ?? { amount: Math.round(Number(row.deal_amount) * 100), paid: 0 };
      deal.paid += Math.round(Number(row.payout) * 100);
      byDeal.set(row.deal_id!, deal);
    }
    expect([...byDeal.keys()].sort()).toEqual(['d1', 'd2', 'd3', 'd5', 'd7']);
    for (const [dealId, { amount, paid }] of byDeal) expect(paid, dealId).toBe(amount);
  });

  it('filters by currency and by an inclusive period', async () => {
    expect((await payouts('?currency=EUR')).map((row) => row.deal_id)).toEqual(['d5']);
    expect((await payouts('?start_date=2024-01-31T23:59:59.999Z&end_date=2024-02-01T00:00:00Z')).map((row) => row.deal_id)).toEqual(['d1', 'd1', 'd2', 'd2']);
    expect(await payouts('?start_date=2025-01-01')).toEqual([]);
  });

  it('has a header even when there is nothing to pay', async () => {
    const res = await t.api.get('/exports/payouts.csv?start_date=2030-01-01');
    expect(res.body.trim()).toBe('deal_id,closed_date,currency,deal_amount,model,partner_id,partner_name,percentage,payout');
  });

  it('pages through many deals without losing or repeating one', async () => {
    const events = Array.from({ length: 1200 }, (_, index) => ({
      partner_id: index % 2 === 0 ? 'a' : 'b',
      deal_id: `bulk-${index}`,
      touchpoint_type: 'demo',
      timestamp: '2025-06-01T00:00:00Z',
    }));
    expect((await t.api.post('/events/batch', { events: events.slice(0, 1000) })).statusCode).toBe(201);
    expect((await t.api.post('/events/batch', { events: events.slice(1000) })).statusCode).toBe(201);
    for (let index = 0; index < 1200; index++) {
      // Same closing time for many deals: the page boundary falls inside a run of equal times.
      await t.api.post('/deals', { id: `bulk-${index}`, amount: 1 + index, closed_date: `2025-06-${index < 600 ? '02' : '03'}T00:00:00Z` });
    }
    const rows = await payouts('?start_date=2025-01-01');
    expect(rows).toHaveLength(1200);
    expect(new Set(rows.map((row) => row.deal_id)).size).toBe(1200);
  }, 180_000);

  it("lists one partner's rows with partner_id", async () => {
    const all = await payouts('?start_date=2024-01-01&end_date=2024-12-31');
    const carol = await payouts('?start_date=2024-01-01&end_date=2024-12-31&partner_id=c');
    expect(carol.length).toBeGreaterThan(0);
    expect(carol).toEqual(all.filter((row) => row.partner_id === 'c'));
  });

  it('needs a read key', async () => {
    expect((await t.as(undefined).get('/exports/payouts.csv')).statusCode).toBe(401);
    expect((await t.as(await t.createKey(['read'])).get('/exports/payouts.csv')).statusCode).toBe(200);
  });
});
