import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, createPartners, expectExact, jan, lines, touch, type AttributionBody } from './fixtures.js';

let t: TestApp;
let clock = Date.parse('2024-02-01T12:00:00Z');
beforeAll(async () => {
  t = await startTestApp({}, { now: () => clock });
  await createPartners(t.api, ['p1', 'p2', 'p3']);
  await t.api.patch('/partners/p1', { name: 'Alice' });
  await t.api.patch('/partners/p2', { name: 'Bob' });
  // The brief's deal: touchpoints first, then the deal closes.
  await touch(t.api, 'deal-123', [
    ['p1', 'referral', jan(15)],
    ['p2', 'demo', jan(16)],
    ['p1', 'closer', jan(19)],
  ]);
  await createDeal(t.api, { id: 'deal-123', amount: 50000, closed_date: jan(20, '15:00:00') });
  await touch(t.api, 'no-record', [['p1', 'demo', jan(1)]]);
  await touch(t.api, 'lost', [['p1', 'demo', jan(1)]]);
  await createDeal(t.api, { id: 'lost', amount: 10, status: 'lost', closed_date: jan(20) });
});
afterAll(async () => t.close());

describe('GET /attribution/:dealId', () => {
  it("answers the deal's own model from the stored result, exactly as the contract shows", async () => {
    expect(await attributionOf(t.api, 'deal-123')).toEqual({
      deal_id: 'deal-123',
      total_amount: 50000,
      currency: 'USD',
      model: 'role-based',
      attributions: [
        { partner_id: 'p1', partner_name: 'Alice', percentage: 80, payout: 40000, touchpoints: 2, role: 'closer, referral' },
        { partner_id: 'p2', partner_name: 'Bob', percentage: 20, payout: 10000, touchpoints: 1, role: 'demo' },
      ],
      calculated_at: '2024-02-01T12:00:00.000Z',
      cached: true,
    });
  });

  it('computes another model as a what-if, without storing it or changing the deal', async () => {
    clock += 60_000;
    const linear = await attributionOf(t.api, 'deal-123', '?model=linear');
    expect(linear).toMatchObject({ model: 'linear', cached: false, calculated_at: '2024-02-01T12:01:00.000Z' });
    expect(lines(linear)).toEqual([
      ['p1', 66.67, 33333.33],
      ['p2', 33.33, 16666.67],
    ]);
    expectExact(linear);
    const own = await attributionOf(t.api, 'deal-123');
    expect(own).toMatchObject({ model: 'role-based', cached: true, calculated_at: '2024-02-01T12:00:00.000Z' });
    expect((await t.api.get('/deals/deal-123')).json().attribution_model).toBe('role-based');
  });

  it('asking for the own model by name is the stored result', async () => {
    expect(await attributionOf(t.api, 'deal-123', '?model=role-based')).toMatchObject({ cached: true, model: 'role-based' });
  });

  it('recalculate=true computes afresh and stores it; POST …/recalculate does the same', async () => {
    clock = Date.parse('2024-02-02T08:00:00Z');
    const fresh = await attributionOf(t.api, 'deal-123', '?recalculate=true');
    expect(fresh).toMatchObject({ cached: false, calculated_at: '2024-02-02T08:00:00.000Z' });
    expect(await attributionOf(t.api, 'deal-123')).toMatchObject({ cached: true, calculated_at: '2024-02-02T08:00:00.000Z' });

    clock = Date.parse('2024-02-03T08:00:00Z');
    const posted = await t.api.post('/attribution/deal-123/recalculate');
    expect(posted.statusCode).toBe(200);
    expect(posted.json<AttributionBody>()).toMatchObject({ cached: false, calculated_at: '2024-02-03T08:00:00.000Z' });
    expect(posted.json<AttributionBody>().attributions).toEqual(fresh.attributions);
    expect(await attributionOf(t.api, 'deal-123', '?recalculate=false')).toMatchObject({ cached: true, calculated_at: '2024-02-03T08:00:00.000Z' });
  });

  it('half_life_days overrides the setting for one request, computed and not stored', async () => {
    await touch(t.api, 'decay', [
      ['p1', 'referral', jan(6)],
      ['p2', 'closer', jan(13)],
    ]);
    await createDeal(t.api, { id: 'decay', amount: 300, closed_date: jan(13), attribution_model: 'time-decay' });
    // Ages 7 and 0 days: half-life 7 → weights 0.5 and 1; half-life 3.5 → 0.25 and 1.
    expect(lines(await attributionOf(t.api, 'decay'))).toEqual([
      ['p2', 66.67, 200],
      ['p1', 33.33, 100],
    ]);
    const shorter = await attributionOf(t.api, 'decay', '?half_life_days=3.5');
    expect(shorter.cached).toBe(false);
    expect(lines(shorter)).toEqual([
      ['p2', 80, 240],
      ['p1', 20, 60],
    ]);
    expect(await attributionOf(t.api, 'decay')).toMatchObject({ cached: true, attributions: [{ payout: 200 }, { payout: 100 }] });
  });

  it('a deal without touchpoints has no attributions', async () => {
    await createDeal(t.api, { id: 'alone', amount: 10, closed_date: jan(20) });
    expect(await attributionOf(t.api, 'alone')).toMatchObject({ attributions: [], cached: true, total_amount: 10 });
  });

  it('sorts by payout descending, then partner id; a tie in the remainders goes to the first touch', async () => {
    await touch(t.api, 'three', [
      ['p3', 'intro', jan(1)],
      ['p1', 'intro', jan(2)],
      ['p2', 'intro', jan(3)],
    ]);
    await createDeal(t.api, { id: 'three', amount: 100, closed_date: jan(20), attribution_model: 'equal' });
    const body = await attributionOf(t.api, 'three');
    expect(lines(body)).toEqual([
      ['p3', 33.34, 33.34],
      ['p1', 33.33, 33.33],
      ['p2', 33.33, 33.33],
    ]);
  });

  it('is exact to the minor unit of the currency (JPY has none)', async () => {
    await touch(t.api, 'yen', [
      ['p2', 'demo', jan(1)],
      ['p1', 'demo', jan(2)],
      ['p3', 'demo', jan(3)],
    ]);
    await createDeal(t.api, { id: 'yen', amount: 1000, currency: 'JPY', closed_date: jan(20), attribution_model: 'linear' });
    const body = await attributionOf(t.api, 'yen');
    expect(body.currency).toBe('JPY');
    expect(lines(body)).toEqual([
      ['p2', 33.34, 334],
      ['p1', 33.33, 333],
      ['p3', 33.33, 333],
    ]);
    expectExact(body, 0);
  });

  it('says so when every weight is 0 and the partners share equally', async () => {
    await t.api.patch('/settings', { role_weights: { other: 0 } });
    await touch(t.api, 'others', [
      ['p1', 'other', jan(1)],
      ['p2', 'other', jan(2)],
    ]);
    await createDeal(t.api, { id: 'others', amount: 9, closed_date: jan(20) });
    const body = await attributionOf(t.api, 'others');
    expect(body.fallback).toBe('equal');
    expect(lines(body)).toEqual([
      ['p1', 50, 4.5],
      ['p2', 50, 4.5],
    ]);
    expect((await attributionOf(t.api, 'others', '?model=linear')).fallback).toBeUndefined();
    await t.api.patch('/settings', { role_weights: { other: 5 } });
    expect((await attributionOf(t.api, 'others')).fallback).toBeUndefined();
  });

  it.each([
    ['an unknown deal', '/attribution/nope', 404, 'not_found'],
    ['a deal id with touchpoints but no deal record', '/attribution/no-record', 404, 'not_found'],
    ['a lost deal', '/attribution/lost', 409, 'deal_not_won'],
    ['a lost deal, with another model', '/attribution/lost?model=equal', 409, 'deal_not_won'],
    ['comparing a lost deal', '/attribution/lost/compare', 409, 'deal_not_won'],
    ['comparing an unknown deal', '/attribution/nope/compare', 404, 'not_found'],
    ['an unknown model', '/attribution/deal-123?model=magic', 400, 'validation_failed'],
    ['a half-life of 0', '/attribution/deal-123?half_life_days=0', 400, 'validation_failed'],
    ['a half-life that is not a number', '/attribution/deal-123?half_life_days=soon', 400, 'validation_failed'],
    ['recalculate that is not a boolean', '/attribution/deal-123?recalculate=yes', 400, 'validation_failed'],
  ])('answers %s with %i %s', async (_name, url, status, code) => {
    const res = await t.api.get(url);
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().code).toBe(code);
  });

  it('names the bad query field in a 400', async () => {
    const res = await t.api.get('/attribution/deal-123?half_life_days=-2');
    expect(res.json().errors).toEqual([expect.objectContaining({ path: 'half_life_days' })]);
  });

  it('POST …/recalculate needs the write scope and an existing, won deal', async () => {
    const reader = await t.createKey(['read']);
    expect((await t.as(reader).post('/attribution/deal-123/recalculate')).statusCode).toBe(403);
    expect((await t.api.post('/attribution/nope/recalculate')).statusCode).toBe(404);
    expect((await t.api.post('/attribution/lost/recalculate')).json().code).toBe('deal_not_won');
  });
});

describe('GET /attribution/:dealId/compare', () => {
  it("lists every model's attribution side by side, each exact, the own model's equal to the stored one", async () => {
    const res = await t.api.get('/attribution/deal-123/compare');
    expect(res.statusCode).toBe(200);
    const body = res.json<{ deal_id: string; total_amount: number; currency: string; models: Record<string, AttributionBody['attributions']> }>();
    expect(body).toMatchObject({ deal_id: 'deal-123', total_amount: 50000, currency: 'USD' });
    expect(Object.keys(body.models).sort()).toEqual(
      ['equal', 'first-touch', 'last-touch', 'linear', 'markov', 'position-based', 'role-based', 'shapley', 'time-decay'].sort(),
    );
    for (const attributions of Object.values(body.models)) {
      expectExact({ total_amount: 50000, attributions } as AttributionBody);
    }
    expect(body.models['role-based']).toEqual((await attributionOf(t.api, 'deal-123')).attributions);
    expect(body.models['first-touch']!.map((line) => [line.partner_id, line.payout])).toEqual([
      ['p1', 50000],
      ['p2', 0],
    ]);
    expect(body.models['position-based']!.map((line) => [line.partner_id, line.percentage])).toEqual([
      ['p1', 80],
      ['p2', 20],
    ]);
  });

  it('takes half_life_days too', async () => {
    const body = (await t.api.get('/attribution/decay/compare?half_life_days=3.5')).json();
    expect(body.models['time-decay'].map((line: { payout: number }) => line.payout)).toEqual([240, 60]);
  });
});

describe('stored shares after a touchpoint that moves no payout', () => {
  it("update each partner's touchpoints and roles though the payout stays (one partner; a linear split that stays even)", async () => {
    await touch(t.api, 'solo', [['p3', 'demo', jan(2)]]);
    await createDeal(t.api, { id: 'solo', amount: 100, closed_date: jan(20) });
    await touch(t.api, 'even', [
      ['p1', 'demo', jan(2)],
      ['p2', 'intro', jan(3)],
    ]);
    await createDeal(t.api, { id: 'even', amount: 100, closed_date: jan(20), attribution_model: 'linear' });
    expect((await attributionOf(t.api, 'solo')).attributions).toMatchObject([{ partner_id: 'p3', payout: 100, touchpoints: 1, role: 'demo' }]);

    await touch(t.api, 'solo', [['p3', 'closer', jan(4)]]);
    await touch(t.api, 'even', [
      ['p1', 'closer', jan(4)],
      ['p2', 'support', jan(5)],
    ]);
    const solo = await attributionOf(t.api, 'solo');
    expect(solo.cached).toBe(true);
    expect(solo.attributions).toMatchObject([{ partner_id: 'p3', payout: 100, touchpoints: 2 }]);
    expect(solo.attributions[0]!.role.split(', ').sort()).toEqual(['closer', 'demo']);
    const even = await attributionOf(t.api, 'even');
    expect(even.attributions.map(({ partner_id, payout, touchpoints }) => [partner_id, payout, touchpoints])).toEqual([
      ['p1', 50, 2],
      ['p2', 50, 2],
    ]);
    expect(even.attributions.map((line) => line.role.split(', ').sort())).toEqual([
      ['closer', 'demo'],
      ['intro', 'support'],
    ]);
  });
});
