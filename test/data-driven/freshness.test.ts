import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitCache } from '../../src/services/attribution/fit-cache.js';
import { refitModels } from '../../src/services/attribution/fits.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, jan, lines, touch } from '../attribution/fixtures.js';
import { fitOf, seedHistory } from './fixtures.js';

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('refits in the background (worker on)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ REFIT_INTERVAL: '1ms' });
    await seedHistory(t.api);
  });
  afterAll(async () => t.close());

  it('refits after a write, and the stored data-driven result follows the new fit', async () => {
    const before = await attributionOf(t.api, 'target');
    expect(before.fit).toMatchObject({ lost_deals: 4 });
    // A lost deal of a alone: a's removal effect changes.
    await touch(t.api, 'late-loss', [['a', 'closer', jan(5)]]);
    await createDeal(t.api, { id: 'late-loss', amount: 100, status: 'lost', closed_date: jan(9) });
    const fit = await until(() => fitOf(t.api, 'markov'), (body) => body.lost_deals === 5);
    expect(fit.version).toBeGreaterThan(before.fit!.version);
    expect(fit).toMatchObject({ lost_deals: 5, won_deals: 5 });
    const after = await until(
      () => attributionOf(t.api, 'target'),
      (body) => body.cached,
    );
    expect(after.fit).toMatchObject({ version: fit.version, lost_deals: 5 });
    const fresh = await attributionOf(t.api, 'target', '?recalculate=true');
    expect(lines(after)).toEqual(lines(fresh));
    expect(lines(after)).not.toEqual(lines(before));
  });

  it('shows the new lookback in the fits soon after a settings change', async () => {
    expect((await t.api.patch('/settings', { lookback_days: 30 })).statusCode).toBe(200);
    const fit = await until(() => fitOf(t.api, 'markov'), (body) => body.lookback_days === 30);
    expect(fit.lookback_days).toBe(30);
  });
});

describe('a reader never gets a result behind the current fit (worker off)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PROPAGATION_WORKER: 'off' });
    await seedHistory(t.api);
  });
  afterAll(async () => t.close());

  const context = () => ({ db: t.db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() });

  it('brings a result computed with an older fit up to date before answering', async () => {
    expect((await attributionOf(t.api, 'target')).fit?.version).toBe(1);
    await touch(t.api, 'late-loss', [['b', 'closer', jan(5)]]);
    await createDeal(t.api, { id: 'late-loss', amount: 100, status: 'lost', closed_date: jan(9) });
    // Not refitted yet: the answer is the current fit's, version 1, and stays exact.
    expect((await attributionOf(t.api, 'target')).fit?.version).toBe(1);
    // Another instance refits (its own cache): the result is now behind the current fit.
    await refitModels(context());
    const body = await attributionOf(t.api, 'target');
    expect(body.fit).toMatchObject({ version: 2, lost_deals: 5 });
    expect(lines(body)).toEqual(lines(await attributionOf(t.api, 'target', '?recalculate=true')));
  });

  it('recomputes a result a refit raced (stored with an old fit version, not pending)', async () => {
    await refitModels(context());
    await attributionOf(t.api, 'target');
    await sql`update attribution_results set fit_version = 1 where deal_id = 'target'`.execute(t.db);
    await sql`delete from attribution_pending`.execute(t.db);
    const body = await attributionOf(t.api, 'target');
    expect(body.fit?.version).toBe(3);
    const stored = await sql<{ fit_version: number }>`select fit_version from attribution_results where deal_id = 'target'`.execute(t.db);
    expect(Number(stored.rows[0]!.fit_version)).toBe(3);
  });

  it('analytics finish results behind the current fit first', async () => {
    await sql`update attribution_results set fit_version = 1 where deal_id = 'target'`.execute(t.db);
    const res = await t.api.get('/analytics?start_date=2024-01-01&end_date=2024-12-31');
    expect(res.statusCode, res.body).toBe(200);
    const stored = await sql<{ fit_version: number }>`select fit_version from attribution_results where deal_id = 'target'`.execute(t.db);
    expect(Number(stored.rows[0]!.fit_version)).toBe(3);
  });

  it('refits at once when the lookback window changes, before a data-driven answer', async () => {
    expect((await t.api.patch('/settings', { lookback_days: 10 })).statusCode).toBe(200);
    const body = await attributionOf(t.api, 'target');
    expect(body.fit).toMatchObject({ version: 4, lookback_days: 10 });
    // Jan 12 is 13 days before the Jan 25 close: a is out of the window.
    expect(body.attributions.map((line) => line.partner_id).sort()).toEqual(['b', 'c']);
    expect((await t.api.patch('/settings', { lookback_days: null })).statusCode).toBe(200);
  });
});
