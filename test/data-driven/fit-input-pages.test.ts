import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { databaseOptionsOf, isPostgres } from '../../src/storage/db.js';
import { DEALS_PER_PAGE, readCompiledFitPages } from '../../src/storage/fit-input-pages.js';
import { compileFitInputPages, streamFitInputs } from '../../src/storage/fit-inputs.js';
import { FitCache } from '../../src/services/attribution/fit-cache.js';
import { rebuildAttributionData } from '../../src/services/attribution/rebuild.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createPartners } from '../attribution/fixtures.js';

/**
 * A counting thread's read (its own connection, one snapshot, each page asked for while the one
 * before is counted) over more than two pages: the same deals as the service's own read from the
 * touchpoints, whether no path is stored yet, every deal's is, or some cannot be used (another
 * window, a change pending); and a reader that stops early leaves no snapshot open and no failure behind.
 */
const DEALS = 2 * DEALS_PER_PAGE + 7;
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  await createPartners(t.api, ['a', 'b']);
  const ids = Array.from({ length: DEALS }, (_, d) => `deal-${String(d).padStart(6, '0')}`);
  for (let at = 0; at < DEALS; at += 500) {
    const slice = ids.slice(at, at + 500);
    await t.db
      .insertInto('deals')
      .values(slice.map((id, i) => ({ id, amount: 100, currency: 'USD', closed_at: 10_000, attribution_model: 'markov', status: (at + i) % 3 === 0 ? 'lost' : 'won', created_at: 0, updated_at: 0 })))
      .execute();
    // Every deal but each seventh has touchpoints: b at 2, then a at 1 (path a,b), and for every other deal a again at 3.
    const events = slice.flatMap((id, i) =>
      (at + i) % 7 === 0
        ? []
        : [
            { id: `${id}-1`, partner_id: 'b', deal_id: id, touchpoint_type: 'demo', timestamp: 2, metadata: null, request_hash: 'x', created_at: 0 },
            { id: `${id}-2`, partner_id: 'a', deal_id: id, touchpoint_type: 'demo', timestamp: 1, metadata: null, request_hash: 'x', created_at: 0 },
            ...((at + i) % 2 === 0 ? [{ id: `${id}-3`, partner_id: 'a', deal_id: id, touchpoint_type: 'demo', timestamp: 3, metadata: null, request_hash: 'x', created_at: 0 }] : []),
          ],
    );
    await t.db.insertInto('events').values(events).execute();
  }
});
afterAll(async () => t.close());

const database = () => databaseOptionsOf(t.db)!;
const linesOf = (pages: string[]) => pages.flatMap((page) => (page === '' ? [] : page.split('\n'))).sort();
async function threadLines(windowMs: number | null = null): Promise<string[]> {
  const read: string[] = [];
  for await (const page of readCompiledFitPages(database(), compileFitInputPages(t.db, windowMs, {}))) read.push(page);
  return linesOf(read);
}
// A line per deal with touchpoints (not each seventh): won (W) unless each third, a then b, and a again for even deals.
const expected = Array.from({ length: DEALS }, (_, d) => (d % 7 === 0 ? [] : [`${d % 3 === 0 ? 'L' : 'W'}${d % 2 === 0 ? 'a,b,a' : 'a,b'}`])).flat().sort();

/**
 * Fails while a reader's snapshot is still open: on PostgreSQL its transaction keeps a read lock on
 * the stored paths, which an exclusive lock taken without waiting then meets; on SQLite it keeps
 * the log from being checkpointed to its end.
 */
async function expectNoSnapshotLeft(): Promise<void> {
  if (isPostgres(t.db)) {
    await t.db.transaction().execute((trx) => sql`lock table attribution_fit_paths in access exclusive mode nowait`.execute(trx));
    return;
  }
  const { rows } = await sql<{ busy: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(t.db);
  expect(rows[0]?.busy).toBe(0);
}

/** `lines` with one `from` replaced by `to`, sorted again. */
function replaceOne(lines: readonly string[], from: string, to: string): string[] {
  const at = lines.indexOf(from);
  expect(at).toBeGreaterThanOrEqual(0);
  return [...lines.slice(0, at), to, ...lines.slice(at + 1)].sort();
}

describe('readCompiledFitPages', () => {
  it('reads every page, the same paths as the service reads, with no path stored yet', async () => {
    const served: string[] = [];
    for await (const page of streamFitInputs(t.db, null)) served.push(page);
    expect(served.length).toBe(3);
    expect(linesOf(served)).toEqual(expected);
    expect(await threadLines()).toEqual(expected);
  });

  it('reads the stored paths once every deal is recomputed, and the touchpoints of those it cannot use', async () => {
    await rebuildAttributionData({ db: t.db, now: Date.now, defaultModel: 'role-based', fits: new FitCache() });
    const stored = await t.db.selectFrom('attribution_fit_paths').select((eb) => eb.fn.countAll<number>().as('rows')).executeTakeFirstOrThrow();
    expect(Number(stored.rows)).toBe(DEALS);
    expect(await threadLines()).toEqual(expected);
    // What is read is the stored path: deal 2's (a,b,a) replaced by a, behind the service's back.
    await t.db.updateTable('attribution_fit_paths').set({ path: 'a' }).where('deal_id', '=', 'deal-000002').execute();
    expect(await threadLines()).toEqual(replaceOne(expected, 'Wa,b,a', 'Wa'));
    // Paths stored with another window are not used: this window is read from the touchpoints.
    expect(await threadLines(0)).toEqual([]);
    // A pending deal is read from its touchpoints: deal 2's again, and deal 1's with a touchpoint its stored path lacks.
    await t.db.insertInto('events').values({ id: 'late', partner_id: 'b', deal_id: 'deal-000001', touchpoint_type: 'demo', timestamp: 9, metadata: null, request_hash: 'x', created_at: 0 }).execute();
    await t.db.insertInto('attribution_pending').values(['deal-000001', 'deal-000002'].map((deal_id) => ({ deal_id, enqueued_at: 0, reason: null }))).execute();
    expect(await threadLines()).toEqual(replaceOne(expected, 'Wa,b', 'Wa,b,b'));
  });

  it('stops cleanly after the first page, with the next one in flight', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      // Every path stored, whatever the tests before left: the first stored page is full, so the
      // reader asks for the next one before handing it over.
      await rebuildAttributionData({ db: t.db, now: Date.now, defaultModel: 'role-based', fits: new FitCache() });
      let pages = 0;
      for await (const page of readCompiledFitPages(database(), compileFitInputPages(t.db, null, {}))) if (page !== '') pages += 1;
      expect(pages).toBeGreaterThan(1);
      for await (const page of readCompiledFitPages(database(), compileFitInputPages(t.db, null, {}))) {
        expect(page.length).toBeGreaterThan(0);
        break;
      }
      await expectNoSnapshotLeft();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
