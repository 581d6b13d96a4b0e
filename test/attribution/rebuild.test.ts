import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitCache } from '../../src/services/attribution/fit-cache.js';
import { rebuildAttributionData } from '../../src/services/attribution/rebuild.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedDataset } from '../analytics/dataset.js';

let t: TestApp;
beforeAll(async () => {
  // The app's own worker off: it would race the rebuild's drain for the pending deals and stamp
  // them with the real clock, so `calculated_at` below would depend on who won.
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await seedDataset(t.api);
});
afterAll(async () => t.close());

const everything = async () => ({
  analytics: (await t.api.get('/analytics?partners_limit=1000')).json(),
  eur: (await t.api.get('/analytics?currency=EUR')).json(),
  d1: (await t.api.get('/attribution/d1')).json(),
  partner: (await t.api.get('/analytics/partner/a')).json(),
});

describe('rebuildAttributionData', () => {
  it('rebuilds stored results and rollups from the source tables, for data written around the service', async () => {
    const before = await everything();
    expect(before.analytics.overview).toMatchObject({ total_deals: 5, total_revenue: 2050 });
    // As if the rows had been imported with SQL: touchpoints and a deal the bookkeeping never saw, rollups lost.
    await t.db.deleteFrom('analytics_partner_months').execute();
    await t.db.deleteFrom('attribution_shares').where('deal_id', '=', 'd1').execute();
    await t.db
      .insertInto('events')
      .values({ id: 'imported', partner_id: 'c', deal_id: 'imported-deal', touchpoint_type: 'closer', timestamp: Date.parse('2024-05-01T00:00:00Z'), metadata: null, request_hash: 'x', created_at: 0 })
      .execute();
    await t.db
      .insertInto('deals')
      .values({ id: 'imported-deal', amount: 12345, currency: 'USD', closed_at: Date.parse('2024-05-02T00:00:00Z'), attribution_model: 'linear', status: 'won', created_at: 0, updated_at: 0 })
      .execute();

    const counts = await rebuildAttributionData({ db: t.db, now: () => Date.parse(before.d1.calculated_at), defaultModel: 'role-based', fits: new FitCache() });
    expect(counts).toEqual({ deals: 8, touchpoints: 11 });

    const after = await everything();
    expect(after.d1).toEqual(before.d1);
    // Touchpoints count in every currency (the imported one too); the EUR money figures stay.
    expect({ ...after.eur, overview: { ...after.eur.overview, touchpoints: 10 }, touchpoints: before.eur.touchpoints }).toEqual(before.eur);
    expect(after.analytics.overview).toEqual({
      ...before.analytics.overview,
      total_deals: before.analytics.overview.total_deals + 1,
      total_revenue: before.analytics.overview.total_revenue + 123.45,
      attributed_revenue: before.analytics.overview.attributed_revenue + 123.45,
      avg_deal_size: 362.24,
      touchpoints: 11,
    });
    expect(after.partner.totals).toEqual(before.partner.totals);
    expect((await t.api.get('/attribution/imported-deal')).json().attributions).toMatchObject([{ partner_id: 'c', payout: 123.45 }]);
  });
});
