import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFitChanges, clearClaimedFitChanges, markFitInputsChanged, oldestFitChange } from '../../src/storage/attribution-fits.js';
import { createDatabase } from '../../src/storage/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testDialect } from '../helpers/environment.js';

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

  it('keeps a change another connection recorded after the claim, and empties the queue when none came', async () => {
    await t.db.deleteFrom('attribution_fit_pending').execute();
    // Another instance (or the command line) on the same database.
    const other = createDatabase(t.config);
    try {
      await markFitInputsChanged(t.db, ['a1', 'a2', 'a3'], 5000);
      const claimed = await claimFitChanges(t.db);
      await markFitInputsChanged(other, ['a2', 'b1'], 6000);
      await clearClaimedFitChanges(t.db, claimed);
      expect(await remaining()).toEqual(['a2', 'b1']);
      const next = await claimFitChanges(other);
      await clearClaimedFitChanges(t.db, next);
      expect(await remaining()).toEqual([]);
      // The queue still numbers and keeps what comes next.
      await markFitInputsChanged(other, ['c1'], 7000);
      expect(await remaining()).toEqual(['c1']);
      expect(await claimFitChanges(t.db)).toBeGreaterThan(next);
      await t.db.deleteFrom('attribution_fit_pending').execute();
    } finally {
      await other.destroy();
    }
  });

  it.skipIf(testDialect() !== 'postgres')('clears the claimed changes without waiting for a transaction that holds the queue', async () => {
    await t.db.deleteFrom('attribution_fit_pending').execute();
    await markFitInputsChanged(t.db, ['r1', 'r2'], 8000);
    const claimed = await claimFitChanges(t.db);
    // A reader in an open transaction holds the table: the clear must not queue behind it for the truncate.
    const other = createDatabase(t.config);
    let release!: () => void;
    let holding!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = new Promise<void>((resolve) => (holding = resolve));
    const reader = other.transaction().execute(async (trx) => {
      await trx.selectFrom('attribution_fit_pending').select('deal_id').execute();
      holding();
      await gate;
    });
    try {
      await held;
      await clearClaimedFitChanges(t.db, claimed);
      expect(await remaining()).toEqual([]);
    } finally {
      release();
      await reader;
      await other.destroy();
    }
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
