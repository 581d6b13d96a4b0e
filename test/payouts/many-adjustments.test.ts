import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createDeal, createPartners, touch } from '../attribution/fixtures.js';
import { createPeriod, expectLedgerMatchesPayouts, lockPeriod, type AdjustmentBody } from './ledger.js';

/**
 * One change that moves many booked deals at once: their recomputation stores all their
 * adjustments together (a write of a few deals takes another path), and each must read back.
 */
let t: TestApp;
let clock = Date.parse('2024-01-05T09:00:00Z');
const DEALS = Array.from({ length: 8 }, (_, index) => `bulk-${index}`);
const PARTNERS = ['p1', 'p2', 'p3'];

beforeAll(async () => {
  t = await startTestApp({}, { now: () => clock });
  await createPartners(t.api, PARTNERS);
  for (const [index, id] of DEALS.entries()) {
    await touch(t.api, id, [
      [PARTNERS[index % 3]!, 'referral', '2024-01-10T10:00:00Z'],
      [PARTNERS[(index + 1) % 3]!, 'closer', '2024-01-12T10:00:00Z'],
    ]);
    await createDeal(t.api, { id, amount: 1000 + 37 * index, closed_date: `2024-01-${20 + (index % 8)}T10:00:00Z` });
  }
});
afterAll(async () => t.close());

describe('a change that moves many booked deals', () => {
  it('records every partner adjustment of every deal, and the ledger still matches the payouts', async () => {
    clock = Date.parse('2024-02-02T09:00:00Z');
    const january = await createPeriod(t.api, '2024-01-01', '2024-01-31');
    await lockPeriod(t.api, january.id);

    clock = Date.parse('2024-02-03T09:00:00Z');
    expect((await t.api.patch('/settings', { role_weights: { referral: 65 } })).statusCode).toBe(200);
    // Any aggregate read finishes the pending recomputations first.
    expect((await t.api.get('/analytics')).statusCode).toBe(200);

    const unassigned = (await t.api.get('/payout-adjustments/unassigned?limit=1000')).json<{ data: AdjustmentBody[] }>().data;
    // Each deal's referral partner gains what its closer loses: two adjustments per deal, summing to 0.
    expect(unassigned).toHaveLength(2 * DEALS.length);
    expect(new Set(unassigned.map((adjustment) => adjustment.reason))).toEqual(new Set(['settings changed']));
    for (const id of DEALS) {
      const own = unassigned.filter((adjustment) => adjustment.deal_id === id);
      expect(own.map((adjustment) => adjustment.original_period_id), id).toEqual([january.id, january.id]);
      expect(Math.round(100 * (own[0]!.amount + own[1]!.amount)), id).toBe(0);
      expect(own.every((adjustment) => adjustment.currency === 'USD' && adjustment.created_at === '2024-02-03T09:00:00.000Z'), id).toBe(true);
    }
    await expectLedgerMatchesPayouts(t.api, PARTNERS, DEALS);
  });
});
