import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedDataset } from './dataset.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedDataset(t.api);
});
afterAll(async () => t.close());

const analytics = async (query = '') => {
  const res = await t.api.get(`/analytics${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('GET /analytics', () => {
  it('gives exact figures for 2024 in USD, every won deal with its own model, none of them ever looked at', async () => {
    expect(await analytics('?start_date=2024-01-01&end_date=2024-12-31')).toEqual({
      period: { start_date: '2024-01-01T00:00:00.000Z', end_date: '2024-12-31T23:59:59.999Z' },
      currency: 'USD',
      overview: {
        total_deals: 4,
        total_revenue: 2000,
        avg_deal_size: 500,
        attributed_revenue: 1800,
        unattributed_revenue: 200,
        active_partners: 3,
        touchpoints: 9,
      },
      monthly: [
        { month: '2024-01', deals: 1, revenue: 1000, attributed_revenue: 1000 },
        { month: '2024-02', deals: 2, revenue: 800, attributed_revenue: 800 },
        { month: '2024-03', deals: 1, revenue: 200, attributed_revenue: 0 },
      ],
      partners: [
        // a: 416.67 + 250 + 0 over 3 deals, 41.67 % + 50 % + 0 % → 30.56 % on average.
        { partner_id: 'a', name: 'Alice', deals: 3, attributed_revenue: 666.67, avg_percentage: 30.56 },
        { partner_id: 'b', name: 'Bob', deals: 1, attributed_revenue: 583.33, avg_percentage: 58.33 },
        { partner_id: 'c', name: 'Carol', deals: 2, attributed_revenue: 550, avg_percentage: 75 },
      ],
      models: [
        { model: 'role-based', deals: 1, revenue: 1000 },
        { model: 'equal', deals: 1, revenue: 500 },
        { model: 'first-touch', deals: 1, revenue: 300 },
        { model: 'linear', deals: 1, revenue: 200 },
      ],
      // Every touchpoint timed in 2024, whatever its deal: lost (d6) and not yet recorded (pending) too.
      touchpoints: [
        { touchpoint_type: 'closer', count: 3 },
        { touchpoint_type: 'referral', count: 2 },
        { touchpoint_type: 'demo', count: 2 },
        { touchpoint_type: 'intro', count: 1 },
        { touchpoint_type: 'support', count: 1 },
      ],
      recent_deals: [
        { id: 'd4', amount: 200, currency: 'USD', closed_date: '2024-03-10T09:00:00.000Z', attribution_model: 'linear', touchpoints: 0 },
        { id: 'd3', amount: 300, currency: 'USD', closed_date: '2024-02-15T12:00:00.000Z', attribution_model: 'first-touch', touchpoints: 2 },
        { id: 'd2', amount: 500, currency: 'USD', closed_date: '2024-02-01T00:00:00.000Z', attribution_model: 'equal', touchpoints: 2 },
        { id: 'd1', amount: 1000, currency: 'USD', closed_date: '2024-01-31T23:59:59.999Z', attribution_model: 'role-based', touchpoints: 2 },
      ],
    });
  });

  it('gives revenue by UTC month from the rollups and the ragged edges alike, gaps included', async () => {
    // d1 closes in the first (ragged) half-day, d4 an hour after the end: only January and February.
    const body = await analytics('?start_date=2024-01-31T12:00:00Z&end_date=2024-03-10T08:00:00Z');
    expect(body.monthly).toEqual([
      { month: '2024-01', deals: 1, revenue: 1000, attributed_revenue: 1000 },
      { month: '2024-02', deals: 2, revenue: 800, attributed_revenue: 800 },
    ]);
    const sum = (field: 'deals' | 'revenue' | 'attributed_revenue') =>
      body.monthly.reduce((total: number, row: Record<string, number>) => total + row[field]!, 0);
    expect(sum('deals')).toBe(body.overview.total_deals);
    expect(sum('revenue')).toBe(body.overview.total_revenue);
    expect(sum('attributed_revenue')).toBe(body.overview.attributed_revenue);
    expect((await analytics('?start_date=2030-01-01&end_date=2030-12-31')).monthly).toEqual([]);
  });

  it('covers all time without a period', async () => {
    const body = await analytics();
    expect(body.period).toEqual({ start_date: null, end_date: null });
    expect(body.overview).toMatchObject({ total_deals: 5, total_revenue: 2050, attributed_revenue: 1850, touchpoints: 10 });
    expect(body.partners.find((row: { partner_id: string }) => row.partner_id === 'b')).toMatchObject({ deals: 2, attributed_revenue: 633.33 });
  });

  it('counts only deals in the currency asked for (DEFAULT_CURRENCY otherwise)', async () => {
    const body = await analytics('?currency=EUR');
    expect(body.currency).toBe('EUR');
    expect(body.overview).toMatchObject({ total_deals: 1, total_revenue: 700, attributed_revenue: 700, active_partners: 1 });
    expect(body.partners).toEqual([{ partner_id: 'b', name: 'Bob', deals: 1, attributed_revenue: 700, avg_percentage: 100 }]);
    expect(body.models).toEqual([{ model: 'equal', deals: 1, revenue: 700 }]);
    expect((await analytics('?currency=JPY')).overview).toMatchObject({ total_deals: 0, total_revenue: 0, avg_deal_size: 0 });
  });

  it.each([
    ['both ends of a ragged period are inclusive', '?start_date=2024-01-31T23:59:59.999Z&end_date=2024-02-01T00:00:00Z', ['d1', 'd2']],
    ['a date-only end means the whole day', '?start_date=2024-01-31&end_date=2024-01-31', ['d1']],
    ['a date-only start means the start of the day', '?start_date=2024-02-01&end_date=2024-02-01', ['d2']],
    ['a period inside one day', '?start_date=2024-02-15T11:00:00Z&end_date=2024-02-15T12:00:00Z', ['d3']],
    ['one millisecond too late for d1', '?start_date=2024-02-01T00:00:00Z&end_date=2024-02-29', ['d2', 'd3']],
    ['an open end', '?start_date=2024-02-15T12:00:00.001Z', ['d4']],
    ['an open start', '?end_date=2024-01-31T23:59:59.998Z', ['d7']],
    ['whole months', '?start_date=2024-01-01&end_date=2024-02-29', ['d1', 'd2', 'd3']],
  ])('%s', async (_name, query, dealIds) => {
    const body = await analytics(query);
    expect(body.recent_deals.map((deal: { id: string }) => deal.id).sort()).toEqual(dealIds);
    expect(body.overview.total_deals).toBe(dealIds.length);
  });

  it('filters touchpoints by their own timestamp, both ends inclusive', async () => {
    const body = await analytics('?start_date=2024-01-20T10:00:00Z&end_date=2024-01-28T10:00:00Z');
    expect(body.overview.touchpoints).toBe(3);
    expect(body.touchpoints).toEqual([
      { touchpoint_type: 'demo', count: 1 },
      { touchpoint_type: 'intro', count: 1 },
      { touchpoint_type: 'closer', count: 1 },
    ]);
  });

  it('lists the top partners_limit partners, active_partners still counting all', async () => {
    const body = await analytics('?start_date=2024-01-01&end_date=2024-12-31&partners_limit=1');
    expect(body.partners.map((row: { partner_id: string }) => row.partner_id)).toEqual(['a']);
    expect(body.overview.active_partners).toBe(3);
  });

  it('follows a change at once: a touchpoint, a lost deal, a rename', async () => {
    await t.api.post('/events', { id: 'late', partner_id: 'c', deal_id: 'd4', touchpoint_type: 'closer', timestamp: '2024-03-01T10:00:00Z' });
    await t.api.patch('/deals/d2', { status: 'lost' });
    await t.api.patch('/partners/c', { name: 'Caroline' });
    const body = await analytics('?start_date=2024-01-01&end_date=2024-12-31');
    expect(body.overview).toMatchObject({ total_deals: 3, total_revenue: 1500, attributed_revenue: 1500, unattributed_revenue: 0, touchpoints: 10 });
    expect(body.partners).toEqual([
      { partner_id: 'b', name: 'Bob', deals: 1, attributed_revenue: 583.33, avg_percentage: 58.33 },
      { partner_id: 'c', name: 'Caroline', deals: 2, attributed_revenue: 500, avg_percentage: 100 },
      { partner_id: 'a', name: 'Alice', deals: 2, attributed_revenue: 416.67, avg_percentage: 20.84 },
    ]);
    await t.api.delete('/events/late');
    await t.api.patch('/deals/d2', { status: 'won' });
    await t.api.patch('/partners/c', { name: 'Carol' });
    expect((await analytics('?start_date=2024-01-01&end_date=2024-12-31')).overview).toMatchObject({ total_revenue: 2000, touchpoints: 9 });
  });

  it.each([
    ['?start_date=2024-03-01&end_date=2024-02-01', 'end_date'],
    ['?start_date=yesterday', 'start_date'],
    ['?currency=usd', 'currency'],
    ['?partners_limit=0', 'partners_limit'],
    ['?partners_limit=1001', 'partners_limit'],
  ])('rejects %s naming %s', async (query, path) => {
    const res = await t.api.get(`/analytics${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((error: { path: string }) => error.path)).toContain(path);
  });
});

describe('GET /analytics recent_deals', () => {
  // 18 won deals over 12 days, several a day: the ten most recent of a period span days,
  // the period's ragged edges, and ties in closing time (broken by id).
  const closings = Array.from({ length: 16 }, (_, i) => Date.UTC(2024, 5, 1 + Math.floor(i * 0.75), i % 5 === 4 ? 0 : (i * 7) % 24));
  const deals = [...closings, closings[10]!, closings[8]!].map((closed, i) => ({
    id: `g${String(i).padStart(2, '0')}`,
    amount: 100 + i,
    currency: 'GBP',
    status: 'won',
    closed_date: new Date(closed).toISOString(),
  }));
  beforeAll(async () => {
    for (const deal of deals) expect((await t.api.post('/deals', deal)).statusCode).toBe(201);
  });

  it.each([
    ['all time', ''],
    ['a ragged period', '&start_date=2024-06-02T12:00:00Z&end_date=2024-06-10T06:00:00Z'],
    ['whole days', '&start_date=2024-06-01&end_date=2024-06-09'],
    ['an open start, a ragged end', '&end_date=2024-06-11T13:59:59.999Z'],
    ['fewer than ten', '&start_date=2024-06-04T07:00:00Z&end_date=2024-06-06'],
  ])('lists the ten most recently closed: %s', async (_name, query) => {
    const body = await analytics(`?currency=GBP${query}`);
    const from = body.period.start_date === null ? -Infinity : Date.parse(body.period.start_date);
    const to = body.period.end_date === null ? Infinity : Date.parse(body.period.end_date);
    const expected = deals
      .filter((deal) => Date.parse(deal.closed_date) >= from && Date.parse(deal.closed_date) <= to)
      .sort((a, b) => Date.parse(b.closed_date) - Date.parse(a.closed_date) || (a.id < b.id ? -1 : 1))
      .slice(0, 10)
      .map((deal) => [deal.id, deal.closed_date]);
    expect(body.recent_deals.map((deal: { id: string; closed_date: string }) => [deal.id, deal.closed_date])).toEqual(expected);
  });
});
