import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, createPartners, jan, lines, touch } from './fixtures.js';

/**
 * Stored results are never stale: after every kind of change, the next answer is the stored
 * result (`cached: true`), it was recomputed by the change itself (`calculated_at` is the
 * change's time), and it equals a fresh computation.
 */
let t: TestApp;
let clock = Date.parse('2024-03-01T00:00:00Z');
let serial = 0;
beforeAll(async () => {
  t = await startTestApp({}, { now: () => clock });
  await createPartners(t.api, ['p1', 'p2', 'p3']);
});
afterAll(async () => t.close());
beforeEach(() => {
  clock += 3_600_000;
});

/** A fresh deal with p1 referral and p2 demo, closed on Jan 20. */
async function dealWithTwoPartners(extra: Record<string, unknown> = {}): Promise<string> {
  const id = `deal-${++serial}`;
  await touch(t.api, id, [
    ['p1', 'referral', jan(10)],
    ['p2', 'demo', jan(12)],
  ]);
  await createDeal(t.api, { id, amount: 1000, closed_date: jan(20), ...extra });
  return id;
}

/** The stored answer, checked to be current: computed at the last change, equal to a fresh computation. */
async function current(dealId: string) {
  const stored = await attributionOf(t.api, dealId);
  expect(stored.cached).toBe(true);
  expect(stored.calculated_at).toBe(new Date(clock).toISOString());
  const fresh = await attributionOf(t.api, dealId, '?recalculate=true');
  expect(stored.attributions).toEqual(fresh.attributions);
  return stored;
}

describe('the stored result follows', () => {
  it('a deal created after its touchpoints', async () => {
    const id = await dealWithTwoPartners();
    expect(lines(await current(id))).toEqual([
      ['p1', 62.5, 625],
      ['p2', 37.5, 375],
    ]);
  });

  it('a new touchpoint (POST /events)', async () => {
    const id = await dealWithTwoPartners();
    clock += 1000;
    await touch(t.api, id, [['p3', 'closer', jan(15)]]);
    expect(lines(await current(id))).toEqual([
      ['p3', 46.67, 466.67],
      ['p1', 33.33, 333.33],
      ['p2', 20, 200],
    ]);
  });

  it('a batch of touchpoints over several deals (POST /events/batch)', async () => {
    const first = await dealWithTwoPartners();
    const second = await dealWithTwoPartners({ attribution_model: 'linear' });
    clock += 1000;
    const res = await t.api.post('/events/batch', {
      events: [
        { partner_id: 'p3', deal_id: first, touchpoint_type: 'closer', timestamp: jan(15) },
        { partner_id: 'p1', deal_id: second, touchpoint_type: 'other', timestamp: jan(15) },
        { partner_id: 'p1', deal_id: second, touchpoint_type: 'other', timestamp: jan(16) },
      ],
    });
    expect(res.statusCode).toBe(201);
    expect((await current(first)).attributions.map((line) => line.partner_id)).toEqual(['p3', 'p1', 'p2']);
    expect(lines(await current(second))).toEqual([
      ['p1', 75, 750],
      ['p2', 25, 250],
    ]);
  });

  it('a deleted touchpoint (DELETE /events/:id)', async () => {
    const id = await dealWithTwoPartners();
    const event = (await t.api.get(`/events?deal_id=${id}&partner_id=p2`)).json().data[0];
    clock += 1000;
    expect((await t.api.delete(`/events/${event.id}`)).statusCode).toBe(204);
    expect(lines(await current(id))).toEqual([['p1', 100, 1000]]);
  });

  it('the last touchpoint deleted', async () => {
    const id = await dealWithTwoPartners();
    for (const event of (await t.api.get(`/events?deal_id=${id}`)).json().data) await t.api.delete(`/events/${event.id}`);
    expect((await current(id)).attributions).toEqual([]);
  });

  it.each([
    ['amount', { amount: 2000 }, [['p1', 62.5, 1250], ['p2', 37.5, 750]]],
    ['currency', { currency: 'JPY' }, [['p1', 62.5, 625], ['p2', 37.5, 375]]],
    ['attribution_model', { attribution_model: 'first-touch' }, [['p1', 100, 1000], ['p2', 0, 0]]],
  ])('a deal change: %s (PATCH /deals/:id)', async (_field, change, expected) => {
    const id = await dealWithTwoPartners();
    clock += 1000;
    expect((await t.api.patch(`/deals/${id}`, change)).statusCode).toBe(200);
    const stored = await current(id);
    expect(lines(stored)).toEqual(expected);
    if ('currency' in change) expect(stored.currency).toBe('JPY');
    if ('attribution_model' in change) expect(stored.model).toBe('first-touch');
  });

  it('a deal change: closed_date (time-decay ages)', async () => {
    const id = await dealWithTwoPartners({ attribution_model: 'time-decay', closed_date: jan(12) });
    const before = lines(await current(id));
    clock += 1000;
    // Closing at the first touchpoint makes both ages 0: equal weights.
    await t.api.patch(`/deals/${id}`, { closed_date: jan(10) });
    const after = lines(await current(id));
    expect(after).not.toEqual(before);
    expect(after).toEqual([
      ['p1', 50, 500],
      ['p2', 50, 500],
    ]);
  });

  it('a deal lost, then won again', async () => {
    const id = await dealWithTwoPartners();
    await t.api.patch(`/deals/${id}`, { status: 'lost' });
    expect((await t.api.get(`/attribution/${id}`)).json().code).toBe('deal_not_won');
    clock += 1000;
    await t.api.patch(`/deals/${id}`, { status: 'won', amount: 10 });
    expect(lines(await current(id))).toEqual([
      ['p1', 62.5, 6.25],
      ['p2', 37.5, 3.75],
    ]);
  });

  it("a partner's new name, at once", async () => {
    const id = await dealWithTwoPartners();
    await t.api.patch('/partners/p2', { name: 'Bobby Tables' });
    const stored = await current(id);
    expect(stored.attributions.find((line) => line.partner_id === 'p2')?.partner_name).toBe('Bobby Tables');
  });

  it('new role weights: role-based payouts and every role string', async () => {
    const roleBased = await dealWithTwoPartners();
    const linear = await dealWithTwoPartners({ attribution_model: 'linear' });
    await touch(t.api, linear, [['p1', 'closer', jan(14)]]);
    clock += 1000;
    expect((await t.api.patch('/settings', { role_weights: { demo: 75 } })).statusCode).toBe(200);
    expect(lines(await current(roleBased))).toEqual([
      ['p2', 75, 750],
      ['p1', 25, 250],
    ]);
    // linear's payouts do not depend on the weights, but roles are listed heaviest first.
    const stored = await attributionOf(t.api, linear);
    expect(stored.attributions.find((line) => line.partner_id === 'p1')?.role).toBe('closer, referral');
    await t.api.patch('/settings', { role_weights: { referral: 50 } });
    expect((await attributionOf(t.api, linear)).attributions.find((line) => line.partner_id === 'p1')?.role).toBe('referral, closer');
    await t.api.patch('/settings', { role_weights: { demo: 15, referral: 25 } });
  });

  it('a new half-life: time-decay results', async () => {
    const id = await dealWithTwoPartners({ attribution_model: 'time-decay', closed_date: jan(12) });
    clock += 1000;
    await t.api.patch('/settings', { half_life_days: 1 });
    // Ages 2 days and 0: weights 0.25 and 1.
    expect(lines(await current(id))).toEqual([
      ['p2', 80, 800],
      ['p1', 20, 200],
    ]);
    await t.api.patch('/settings', { half_life_days: 7 });
  });

  it('a new default model: for deals created afterwards only', async () => {
    const before = await dealWithTwoPartners();
    const stored = await attributionOf(t.api, before);
    await t.api.patch('/settings', { default_model: 'equal' });
    const after = await dealWithTwoPartners();
    expect((await attributionOf(t.api, after)).model).toBe('equal');
    expect(await attributionOf(t.api, before)).toEqual(stored);
    await t.api.patch('/settings', { default_model: 'role-based' });
  });
});

describe('the stored result stays as it is', () => {
  it('for an idempotent replay of a touchpoint', async () => {
    const id = await dealWithTwoPartners();
    const body = { id: `${id}-replayed`, partner_id: 'p3', deal_id: id, touchpoint_type: 'intro', timestamp: jan(11) };
    expect((await t.api.post('/events', body)).statusCode).toBe(201);
    const stored = await attributionOf(t.api, id);
    clock += 1000;
    expect((await t.api.post('/events', body)).statusCode).toBe(200);
    expect(await attributionOf(t.api, id)).toEqual(stored);
  });

  it('for a failed batch (all or nothing)', async () => {
    const id = await dealWithTwoPartners();
    const stored = await attributionOf(t.api, id);
    const res = await t.api.post('/events/batch', {
      events: [
        { partner_id: 'p3', deal_id: id, touchpoint_type: 'closer', timestamp: jan(15) },
        { partner_id: 'ghost', deal_id: id, touchpoint_type: 'closer', timestamp: jan(15) },
      ],
    });
    expect(res.statusCode).toBe(422);
    expect(await attributionOf(t.api, id)).toEqual(stored);
  });
});
