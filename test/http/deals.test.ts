import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ DEFAULT_CURRENCY: 'EUR' });
  await t.api.post('/partners', { id: 'p1', name: 'Alice', email: 'alice@example.com' });
});
afterAll(async () => t.close());

describe('POST /deals', () => {
  it('records a deal with the defaults', async () => {
    const before = Date.now();
    const res = await t.api.post('/deals', { id: 'deal-1', amount: 1234.56 });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'deal-1', amount: 1234.56, currency: 'EUR', attribution_model: 'role-based', status: 'won' });
    expect(Date.parse(res.json().closed_date)).toBeGreaterThanOrEqual(before);
  });

  it('keeps every field given, exact in minor units', async () => {
    const res = await t.api.post('/deals', {
      id: 'deal-2',
      amount: 19.99,
      currency: 'USD',
      closed_date: '2024-01-20T15:00:00Z',
      attribution_model: 'time-decay',
      status: 'lost',
    });
    expect(res.json()).toMatchObject({ amount: 19.99, currency: 'USD', closed_date: '2024-01-20T15:00:00.000Z', attribution_model: 'time-decay', status: 'lost' });
    const row = await t.db.selectFrom('deals').selectAll().where('id', '=', 'deal-2').executeTakeFirstOrThrow();
    expect(row.amount).toBe(1999);
  });

  it.each([
    [{ amount: 10.005 }, 'amount', 'USD has 2 decimals'],
    [{ amount: 1.5, currency: 'JPY' }, 'amount', 'JPY has none'],
    [{ amount: 0 }, 'amount', 'must be > 0'],
    [{ amount: -5 }, 'amount', 'must be > 0'],
    [{ amount: '100' }, 'amount', 'a number'],
    [{ amount: 100, currency: 'usd' }, 'currency', 'ISO 4217'],
    [{ amount: 100, currency: 'XXY' }, 'currency', 'a real code'],
    [{ amount: 100, status: 'pending' }, 'status', 'won or lost'],
    [{ amount: 100, attribution_model: 'magic' }, 'attribution_model', 'a known model'],
    [{ amount: 100, closed_date: '2024-01-20' }, 'closed_date', 'a zone'],
    [{ amount: 100, discount: 5 }, 'discount', 'unknown field'],
  ] as [object, string, string][])('rejects %j naming %s (%s)', async (body, path) => {
    const res = await t.api.post('/deals', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('accepts three decimals for BHD and none for JPY', async () => {
    expect((await t.api.post('/deals', { amount: 1.005, currency: 'BHD' })).json().amount).toBe(1.005);
    expect((await t.api.post('/deals', { amount: 500, currency: 'JPY' })).json().amount).toBe(500);
  });

  it('refuses a duplicate id with 409', async () => {
    const res = await t.api.post('/deals', { id: 'deal-1', amount: 1 });
    expect(res.statusCode).toBe(409);
    expect((await t.api.get('/deals/deal-1')).json().amount).toBe(1234.56);
  });
});

describe('GET /deals', () => {
  it('lists by status and inclusive closing dates, newest first, with totals', async () => {
    await t.api.post('/deals', { id: 'd-jan', amount: 1, closed_date: '2023-01-31T23:59:59Z' });
    await t.api.post('/deals', { id: 'd-feb', amount: 2, closed_date: '2023-02-01T00:00:00Z' });
    await t.api.post('/deals', { id: 'd-feb-lost', amount: 3, closed_date: '2023-02-15T00:00:00Z', status: 'lost' });
    const feb = await t.api.get('/deals?start_date=2023-02-01&end_date=2023-02-28');
    expect(feb.json().data.map((d: { id: string }) => d.id)).toEqual(['d-feb-lost', 'd-feb']);
    const won = await t.api.get('/deals?start_date=2023-01-01&end_date=2023-12-31&status=won&limit=1');
    expect(won.json()).toMatchObject({ data: [{ id: 'd-feb' }], pagination: { limit: 1, offset: 0, total: 2 } });
    expect((await t.api.get('/deals?status=open')).statusCode).toBe(400);
  });
});

describe('GET /deals/:id', () => {
  it('adds the events, oldest first', async () => {
    await t.api.post('/events', { id: 'late', partner_id: 'p1', deal_id: 'deal-1', touchpoint_type: 'closer', timestamp: '2024-01-19T00:00:00Z' });
    await t.api.post('/events', { id: 'early', partner_id: 'p1', deal_id: 'deal-1', touchpoint_type: 'referral', timestamp: '2024-01-10T00:00:00Z' });
    const res = await t.api.get('/deals/deal-1');
    expect(res.json().events.map((e: { id: string }) => e.id)).toEqual(['early', 'late']);
    expect((await t.api.get('/deals/nope')).statusCode).toBe(404);
  });
});

describe('PATCH /deals/:id', () => {
  it('changes fields', async () => {
    const res = await t.api.patch('/deals/deal-2', { amount: 25, status: 'won', attribution_model: 'linear', closed_date: '2024-02-01T00:00:00Z' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ amount: 25, status: 'won', attribution_model: 'linear', closed_date: '2024-02-01T00:00:00.000Z' });
  });

  it('keeps the major amount on a currency change, and refuses one that does not fit', async () => {
    expect((await t.api.patch('/deals/deal-2', { currency: 'EUR' })).json()).toMatchObject({ amount: 25, currency: 'EUR' });
    const res = await t.api.patch('/deals/deal-1', { currency: 'JPY' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe('amount');
    expect((await t.api.get('/deals/deal-1')).json().currency).toBe('EUR');
  });

  it('validates like POST and 404s unknown deals', async () => {
    expect((await t.api.patch('/deals/deal-2', { amount: 1.234 })).statusCode).toBe(400);
    expect((await t.api.patch('/deals/deal-2', { id: 'other' })).statusCode).toBe(400);
    expect((await t.api.patch('/deals/nope', { amount: 1 })).statusCode).toBe(404);
  });
});
