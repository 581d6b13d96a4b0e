import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitCache } from '../../src/services/attribution/fit-cache.js';
import { refitIfDue, refitModels } from '../../src/services/attribution/fits.js';
import { claimFitChanges, clearClaimedFitChanges, markFitInputsChanged, oldestFitChange } from '../../src/storage/attribution-fits.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** The fits' queue of changes: a change recorded while a refit runs survives that refit. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
});
afterAll(async () => t.close());

const remaining = async () => (await t.db.selectFrom('attribution_fit_pending').select('deal_id').orderBy('deal_id').execute()).map((row) => row.deal_id);

describe('attribution_fit_pending', () => {
  it('keeps a change made during a refit for the next one, and clears what the refit saw', async () => {
    await markFitInputsChanged(t.db, ['d2', 'd1', 'd1'], 1000);
    expect(await oldestFitChange(t.db)).toBe(1000);
    const claimed = await claimFitChanges(t.db);
    // During the refit: d1 changes again, d3 for the first time.
    await markFitInputsChanged(t.db, ['d1', 'd3'], 2000);
    expect(await remaining()).toEqual(['d1', 'd2', 'd3']);
    await clearClaimedFitChanges(t.db, claimed);
    expect(await remaining()).toEqual(['d1', 'd3']);
    expect(await oldestFitChange(t.db)).toBe(1000);
    // The next refit sees them, and nothing is left after it.
    const next = await claimFitChanges(t.db);
    expect(next).toBeGreaterThan(claimed);
    await clearClaimedFitChanges(t.db, next);
    expect(await remaining()).toEqual([]);
    expect(await oldestFitChange(t.db)).toBeUndefined();
  });

  it('is written by the writes that change what a fit reads, and not by an amount change', async () => {
    await t.api.post('/partners', { id: 'p1', name: 'P', email: 'p@example.com' });
    await t.api.post('/events', { partner_id: 'p1', deal_id: 'w1', touchpoint_type: 'demo', timestamp: '2024-01-01T00:00:00Z' });
    expect(await remaining()).toEqual(['w1']);
    await t.db.deleteFrom('attribution_fit_pending').execute();
    await t.api.post('/deals', { id: 'w1', amount: 10, closed_date: '2024-01-05T00:00:00Z' });
    expect(await remaining()).toEqual(['w1']);
    await t.db.deleteFrom('attribution_fit_pending').execute();
    expect((await t.api.patch('/deals/w1', { amount: 20 })).statusCode).toBe(200);
    expect(await remaining()).toEqual([]);
    expect((await t.api.patch('/deals/w1', { status: 'lost' })).statusCode).toBe(200);
    expect(await remaining()).toEqual(['w1']);
  });

  it('claims a change whose writer is still in flight only once it is committed, never before', async () => {
    await t.db.deleteFrom('attribution_fit_pending').execute();
    let commit!: () => void;
    let marked!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    const wasMarked = new Promise<void>((resolve) => (marked = resolve));
    const writer = t.db.transaction().execute(async (trx) => {
      await markFitInputsChanged(trx, ['inflight'], 3000);
      marked();
      await gate;
    });
    await wasMarked;
    let claimedAt: number | undefined;
    const claim = claimFitChanges(t.db).then((claimed) => {
      claimedAt = Date.now();
      return claimed;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The claim waits for the writer (PostgreSQL: the barrier; SQLite: the one connection).
    expect(claimedAt).toBeUndefined();
    const committedAt = Date.now();
    commit();
    await writer;
    const claimed = await claim;
    expect(claimedAt).toBeGreaterThanOrEqual(committedAt);
    // Its change is numbered within the claim, so the refit that claimed it reads it, and clears it.
    await markFitInputsChanged(t.db, ['after'], 4000);
    await clearClaimedFitChanges(t.db, claimed);
    expect(await remaining()).toEqual(['after']);
  });
});

describe('a refit for a reader', () => {
  const recordTwoDeals = async (api: TestApp['api'], partner: string) => {
    await api.post('/partners', { id: partner, name: 'P', email: `${partner}@example.com` });
    for (const [deal, status] of [[`${partner}-won`, 'won'], [`${partner}-lost`, 'lost']] as const) {
      await api.post('/events', { partner_id: partner, deal_id: deal, touchpoint_type: 'demo', timestamp: '2024-01-01T00:00:00Z' });
      await api.post('/deals', { id: deal, amount: 10, closed_date: '2024-01-05T00:00:00Z', status });
    }
  };

  it('answers without clearing the changes it saw: the clear is owed to the next worker step', async () => {
    await t.db.deleteFrom('attribution_fit_pending').execute();
    await recordTwoDeals(t.api, 'p2');
    expect((await t.api.get('/attribution-models/markov')).statusCode).toBe(200);
    expect(await remaining()).toEqual(['p2-lost', 'p2-won']);
  });

  it('is cleared by the worker step after it, which keeps a later change and does not refit for it before its interval', async () => {
    await t.db.deleteFrom('attribution_fit_pending').execute();
    await recordTwoDeals(t.api, 'p3');
    const ctx = { db: t.db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() };
    const versions = await refitModels(ctx);
    expect(await remaining()).toEqual(['p3-lost', 'p3-won']);
    await markFitInputsChanged(t.db, ['later'], Date.now());
    expect(await refitIfDue(ctx, 60_000)).toBe(false);
    expect(await remaining()).toEqual(['later']);
    expect((await ctx.fits.current(t.db)).markov?.head.version).toBe(versions.markov);
  });

  it('is cleared by the running service soon after the answer', async () => {
    const running = await startTestApp({ PROPAGATION_WORKER: 'on' });
    try {
      await recordTwoDeals(running.api, 'p4');
      const left = async () => (await running.db.selectFrom('attribution_fit_pending').select('deal_id').execute()).length;
      // The worker may refit nothing before the first read (never fitted): the changes wait for it.
      expect((await running.api.get('/attribution-models/markov')).statusCode).toBe(200);
      const deadline = Date.now() + 10_000;
      while ((await left()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await left()).toBe(0);
    } finally {
      await running.close();
    }
  });
});
