import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collapseRepeats, MS_PER_DAY, PATH_LINES } from '../../src/domain/attribution/index.js';
import { FitCache } from '../../src/services/attribution/fit-cache.js';
import { fitWindowMs } from '../../src/services/attribution/fit-input-counts.js';
import { drainPendingStep } from '../../src/services/attribution/pending-work.js';
import { readAttributionSettings } from '../../src/services/attribution/settings-values.js';
import { databaseOptionsOf } from '../../src/storage/db.js';
import { readCompiledFitPages } from '../../src/storage/fit-input-pages.js';
import { compileFitInputPages, streamFitInputs } from '../../src/storage/fit-inputs.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createPartners } from '../attribution/fixtures.js';

/**
 * The stored paths (`attribution_fit_paths`, written by each deal's recomputation) stand in for
 * the touchpoints in a refit's read only where they are current: after any mix of writes, deal
 * changes, lookback changes and partial drains, the counting thread's read (stored paths plus the
 * touchpoints of the deals it cannot use) gives exactly the lines of the read from touchpoints alone.
 */
const PARTNERS = ['p1', 'p2', 'p3', 'p4'];
const DEALS = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
const CLOSE = Date.parse('2024-06-01T00:00:00.000Z');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await createPartners(t.api, PARTNERS);
});
afterAll(async () => t.close());

// Stored paths hold each run of repeats once (collapseRepeats, counted the same); the read from touchpoints keeps them.
const linesOf = (pages: string[]) =>
  pages
    .flatMap((page) => (page === '' ? [] : page.split('\n')))
    .map((line) => line[0] + collapseRepeats(line.slice(1).split(PATH_LINES.partner)).join(PATH_LINES.partner))
    .sort();

async function expectSameLines(): Promise<void> {
  const { lookback_days } = await readAttributionSettings(t.db, 'role-based');
  const windowMs = fitWindowMs(lookback_days);
  const fromTouchpoints: string[] = [];
  for await (const page of streamFitInputs(t.db, windowMs)) fromTouchpoints.push(page);
  const thread: string[] = [];
  for await (const page of readCompiledFitPages(databaseOptionsOf(t.db)!, compileFitInputPages(t.db, windowMs, {}))) thread.push(page);
  expect(linesOf(thread)).toEqual(linesOf(fromTouchpoints));
  // What the recomputation stores has no repeat left to collapse (half the text a refit reads).
  const stored = await t.db.selectFrom('attribution_fit_paths').select('path').execute();
  const withRepeats = stored.map(({ path }) => path).filter((path) => collapseRepeats(path.split(PATH_LINES.partner)).join(PATH_LINES.partner) !== path);
  expect(withRepeats).toEqual([]);
}

type Step =
  | { kind: 'touchpoint'; deal: number; partner: number; daysBefore: number }
  | { kind: 'deal'; deal: number; won: boolean; closeShiftDays: number }
  | { kind: 'lookback'; days: number | null }
  | { kind: 'drain' }
  | { kind: 'read'; deal: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('touchpoint' as const), deal: fc.nat(DEALS.length - 1), partner: fc.nat(PARTNERS.length - 1), daysBefore: fc.integer({ min: -2, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deal' as const), deal: fc.nat(DEALS.length - 1), won: fc.boolean(), closeShiftDays: fc.integer({ min: -20, max: 20 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lookback' as const), days: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drain' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('read' as const), deal: fc.nat(DEALS.length - 1) }) },
);

async function apply(s: Step, seq: number): Promise<void> {
  if (s.kind === 'touchpoint') {
    const body = { partner_id: PARTNERS[s.partner], deal_id: DEALS[s.deal], touchpoint_type: 'demo', timestamp: new Date(CLOSE - s.daysBefore * MS_PER_DAY - seq).toISOString() };
    expect((await t.api.post('/events', body)).statusCode).toBe(201);
  } else if (s.kind === 'deal') {
    const id = DEALS[s.deal]!;
    const fields = { amount: 100, status: s.won ? 'won' : 'lost', closed_date: new Date(CLOSE + s.closeShiftDays * MS_PER_DAY).toISOString() };
    const created = await t.api.post('/deals', { id, ...fields });
    if (created.statusCode === 409) expect((await t.api.patch(`/deals/${id}`, fields)).statusCode).toBe(200);
    else expect(created.statusCode, created.body).toBe(201);
  } else if (s.kind === 'lookback') {
    expect((await t.api.patch('/settings', { lookback_days: s.days })).statusCode).toBe(200);
  } else if (s.kind === 'drain') {
    await drainPendingStep({ db: t.db, now: Date.now, defaultModel: 'role-based', fits: new FitCache() });
  } else {
    // A reader of one deal brings it (and only it) up to date.
    expect([200, 404, 409]).toContain((await t.api.get(`/attribution/${DEALS[s.deal]}`)).statusCode);
  }
}

describe('a refit read of stored paths', () => {
  it('gives the lines of the touchpoints after any writes, deal changes, window changes and partial drains', async () => {
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        for (const s of steps) await apply(s, (seq += 1));
        await expectSameLines();
      }),
      { numRuns: 40 },
    );
  });

  it('are all cut again after a window change, lost deals too, so a refit reads no touchpoint', async () => {
    const drain = { db: t.db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() };
    const drainAll = async () => {
      while ((await drainPendingStep(drain)) > 0);
    };
    await apply({ kind: 'deal', deal: 0, won: true, closeShiftDays: 0 }, 1);
    await apply({ kind: 'deal', deal: 1, won: false, closeShiftDays: 0 }, 2);
    await apply({ kind: 'touchpoint', deal: 0, partner: 0, daysBefore: 5 }, 3);
    await apply({ kind: 'touchpoint', deal: 1, partner: 1, daysBefore: 25 }, 4);
    await apply({ kind: 'lookback', days: 30 }, 5);
    await drainAll();
    for (const days of [10, null, 0, 10]) {
      await apply({ kind: 'lookback', days }, 6);
      await drainAll();
      const windowMs = fitWindowMs(days);
      const paths = await t.db.selectFrom('attribution_fit_paths').select(['deal_id', 'window_ms']).execute();
      const deals = await t.db.selectFrom('deals').select('id').execute();
      expect(paths.length).toBe(deals.length);
      expect(paths.filter((path) => (path.window_ms === null ? null : Number(path.window_ms)) !== windowMs)).toEqual([]);
      await expectSameLines();
    }
  });
});
