import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FitCache } from '../../src/services/attribution/fit-cache.js';
import { refitModels } from '../../src/services/attribution/fits.js';
import { findFitJson } from '../../src/storage/attribution-fits.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { seedHistory } from './fixtures.js';

/**
 * The refitting instance keeps what it stored; each fit's JSON is parsed when it is first used,
 * except the markov fit the thread hands over parsed, its table a typed array (compared here as the array it stands for).
 */
const plain = <F>(fit: F): F => (fit !== null && typeof fit === 'object' && 'transitionTable' in fit ? { ...fit, transitionTable: Array.from(fit.transitionTable as ArrayLike<number>) } : fit);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await seedHistory(t.api);
});
afterAll(async () => t.close());

describe('FitCache', () => {
  it('serves the fits a refit stored without reading them back, the same fits as read from the database', async () => {
    const fits = new FitCache();
    const versions = await refitModels({ db: t.db, now: Date.now, defaultModel: 'role-based', fits });
    const stored = { markov: await findFitJson(t.db, 'markov', versions.markov), shapley: await findFitJson(t.db, 'shapley', versions.shapley) };
    // Bodies nobody could parse: a cache that read them back would fail.
    await sql`update attribution_fits set fit_json = 'not json'`.execute(t.db);
    const cached = await fits.current(t.db);
    expect(cached.markov?.head.version).toBe(versions.markov);
    expect(cached.shapley?.fit.version).toBe(versions.shapley);

    await sql`update attribution_fits set fit_json = ${stored.markov} where model = 'markov'`.execute(t.db);
    await sql`update attribution_fits set fit_json = ${stored.shapley} where model = 'shapley'`.execute(t.db);
    const fromDatabase = await new FitCache().current(t.db);
    expect(cached.markov?.fit.transitionTable).toBeInstanceOf(Int32Array);
    expect(plain(cached.markov?.fit)).toEqual(fromDatabase.markov?.fit);
    expect(cached.shapley?.fit).toEqual(fromDatabase.shapley?.fit);
  });

  it('a refit replaces every stored column: another instance reads the new fit, not the one before', async () => {
    const refit = (fits: FitCache, now: number) => refitModels({ db: t.db, now: () => now, defaultModel: 'role-based', fits });
    const first = await refit(new FitCache(), 1_000);
    const fits = new FitCache();
    const second = await refit(fits, 2_000);
    expect(second).toEqual({ markov: first.markov + 1, shapley: first.shapley + 1 });
    const [remembered, elsewhere] = [await fits.current(t.db), await new FitCache().current(t.db)];
    for (const model of ['markov', 'shapley'] as const) {
      expect(elsewhere[model]?.head).toMatchObject({ version: second[model], fitted_at: 2_000 });
      expect(elsewhere[model]?.fit.version).toBe(second[model]);
      expect(elsewhere[model]?.fit).toEqual(plain(remembered[model]?.fit));
    }
  });

  it('parses a fit only when it is used', async () => {
    const fits = new FitCache();
    const head = { model: 'shapley', version: 1, fitted_at: 0, lookback_days: null, won_deals: 0, lost_deals: 0 };
    const stored = fits.remember(head, 'not json');
    expect(stored.head).toBe(head);
    expect(() => stored.fit).toThrow(SyntaxError);
  });
});
