import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type Api, type TestApp } from '../helpers/app.js';
import { createDeal, createPartners, jan, touch, type AttributionBody } from './fixtures.js';

/** A key bound to partner p1 reads only p1's own attributions and analytics; the rest does not exist for it. */
let t: TestApp;
let mine: Api;
beforeAll(async () => {
  t = await startTestApp();
  await createPartners(t.api, ['p1', 'p2']);
  await touch(t.api, 'shared', [
    ['p1', 'referral', jan(10)],
    ['p2', 'closer', jan(12)],
  ]);
  await createDeal(t.api, { id: 'shared', amount: 600, closed_date: jan(20) });
  await touch(t.api, 'theirs', [['p2', 'closer', jan(12)]]);
  await createDeal(t.api, { id: 'theirs', amount: 100, closed_date: jan(20) });
  await touch(t.api, 'lost-shared', [['p1', 'demo', jan(12)]]);
  await createDeal(t.api, { id: 'lost-shared', amount: 100, closed_date: jan(20), status: 'lost' });
  mine = t.as(await t.createKey(['read'], 'p1'));
});
afterAll(async () => t.close());

describe('a partner-bound key', () => {
  it("sees only its own entry of a deal it touched; the deal's figures stay whole", async () => {
    const res = await mine.get('/attribution/shared');
    expect(res.statusCode).toBe(200);
    const body = res.json<AttributionBody>();
    expect(body).toMatchObject({ deal_id: 'shared', total_amount: 600, cached: true });
    expect(body.attributions).toEqual([
      { partner_id: 'p1', partner_name: 'Partner P1', percentage: 41.67, payout: 250, touchpoints: 1, role: 'referral' },
    ]);
    const whatIf = (await mine.get('/attribution/shared?model=equal')).json<AttributionBody>();
    expect(whatIf.attributions.map((line) => [line.partner_id, line.payout])).toEqual([['p1', 300]]);
    expect((await mine.get('/attribution/shared?recalculate=true')).json<AttributionBody>().attributions).toHaveLength(1);
  });

  it("gets 404 for a deal it has no touchpoint on, as for one that does not exist", async () => {
    for (const url of ['/attribution/theirs', '/attribution/nope', '/attribution/theirs?model=linear']) {
      const res = await mine.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('not_found');
    }
  });

  it('learns that a deal it touched was lost', async () => {
    expect((await mine.get('/attribution/lost-shared')).json().code).toBe('deal_not_won');
  });

  it('reads its own partner analytics, and nobody else’s', async () => {
    const own = await mine.get('/analytics/partner/p1');
    expect(own.statusCode).toBe(200);
    expect(own.json().totals).toMatchObject({ deals: 1, attributed_revenue: 250 });
    expect((await mine.get('/analytics/partner/p2')).statusCode).toBe(404);
  });

  it('downloads its own payout lines as CSV, and nobody else’s', async () => {
    const own = await mine.get('/exports/payouts.csv');
    expect(own.statusCode).toBe(200);
    const lines = own.body.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^shared,.*,p1,Partner P1,41\.67,250\.00$/);
    expect((await mine.get('/exports/payouts.csv?partner_id=p1')).body).toBe(own.body);
    expect((await mine.get('/exports/payouts.csv?partner_id=p2')).statusCode).toBe(404);
  });

  it('reads which key it is: scopes and partner', async () => {
    expect((await mine.get('/api-keys/current')).json()).toMatchObject({ scopes: ['read'], partner_id: 'p1' });
  });

  it.each([['/attribution/shared/compare'], ['/analytics'], ['/settings']])('gets 404 for GET %s', async (url) => {
    expect((await mine.get(url)).statusCode).toBe(404);
  });

  it.each([
    ['POST', '/attribution/shared/recalculate'],
    ['PATCH', '/settings'],
  ])('may not %s %s: it only reads', async (method, url) => {
    const res = await mine.inject({ method: method as 'POST', url, payload: {} });
    expect(res.statusCode).toBe(403);
  });
});
