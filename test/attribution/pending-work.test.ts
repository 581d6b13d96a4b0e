import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { readPendingWork } from '../../src/services/attribution/pending-work.js';
import { takePendingDeals } from '../../src/storage/attribution-pending.js';
import { isPostgres } from '../../src/storage/db.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { attributionOf, createDeal, createPartners, jan, touch } from './fixtures.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const logLines = (app: TestApp, message: string) =>
  app.logs().split('\n').filter((line) => line.includes(message)).length;

describe('the propagation backlog', () => {
  it('is readable (size and age), leaves /ready at 200, and is finished by a reader', async () => {
    let clock = Date.parse('2024-03-01T00:00:00Z');
    t = await startTestApp({ PROPAGATION_WORKER: 'off' }, { now: () => clock });
    expect(await readPendingWork(t.db, clock)).toEqual({ deals: 0, oldestAgeSeconds: 0 });
    await createPartners(t.api, ['p1', 'p2']);
    await touch(t.api, 'd1', [['p1', 'demo', jan(10)]]);
    await createDeal(t.api, { id: 'd1', amount: 100, closed_date: jan(20) });
    clock += 1000;
    await touch(t.api, 'd2', [['p2', 'demo', jan(11)]]);

    expect(await readPendingWork(t.db, clock + 30_000)).toEqual({ deals: 2, oldestAgeSeconds: 31 });
    expect((await t.api.get('/ready')).statusCode).toBe(200);

    // One deal's reader finishes that deal only; an aggregate's reader finishes everything.
    expect((await attributionOf(t.api, 'd1')).attributions).toMatchObject([{ partner_id: 'p1', payout: 100 }]);
    expect((await readPendingWork(t.db, clock)).deals).toBe(1);
    expect((await t.api.get('/analytics')).json().overview).toMatchObject({ total_deals: 1, touchpoints: 2 });
    expect(await readPendingWork(t.db, clock)).toEqual({ deals: 0, oldestAgeSeconds: 0 });
  });
});

describe('the propagation worker', () => {
  it('drains in the background, survives a failing database, logs once per state change, and resumes', async () => {
    t = await startTestApp();
    await createPartners(t.api, ['p1']);
    await touch(t.api, 'd1', [['p1', 'demo', jan(10)]]);
    await createDeal(t.api, { id: 'd1', amount: 100, closed_date: jan(20) });
    await until(async () => (await readPendingWork(t!.db)).deals === 0);

    // A real fault: the queue's table disappears under the worker, then comes back.
    await sql`alter table attribution_pending rename to attribution_pending_away`.execute(t.db);
    await until(async () => logLines(t!, 'a step failed') > 0);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await sql`alter table attribution_pending_away rename to attribution_pending`.execute(t.db);

    await touch(t.api, 'd1', [['p1', 'closer', jan(12)]]);
    await until(async () => (await readPendingWork(t!.db)).deals === 0);
    expect(logLines(t, 'a step failed')).toBe(1);
    expect(logLines(t, 'the database answers again')).toBe(1);
    const stored = await attributionOf(t.api, 'd1');
    expect(stored.attributions).toMatchObject([{ partner_id: 'p1', touchpoints: 2 }]);
  });

});

describe('taking pending deals', () => {
  // The queue is usually empty when it is analysed. A single `delete … where deal_id in (select …
  // limit … for update skip locked)` was then planned as a nested loop that ran the locking
  // subquery again for every queued row: quadratic, past any statement timeout at 47,000 rows.
  it('stays linear when the queue was analysed while empty and then filled', async () => {
    t = await startTestApp({ PROPAGATION_WORKER: 'off' });
    const { db } = t;
    const postgres = isPostgres(db);
    const queued = 20_000;
    const ids = Array.from({ length: queued }, (_, i) => `deal-${String(i).padStart(6, '0')}`);
    const fill = async () => {
      for (const chunk of [0, 1, 2, 3].map((part) => ids.slice(part * 5000, (part + 1) * 5000))) {
        await db.insertInto('attribution_pending').values(chunk.map((deal_id) => ({ deal_id, enqueued_at: 0, reason: 'touchpoint added' }))).execute();
      }
    };
    // As after a busy hour: pages full of drained rows, statistics taken while no row was live
    // (PostgreSQL then estimates one row, whatever the table's size).
    await fill();
    await db.deleteFrom('attribution_pending').execute();
    if (postgres) await sql`analyze attribution_pending`.execute(db);
    await fill();

    const taken: string[] = [];
    for (let step = 0; step <= queued / 500; step++) {
      const rows = await db.transaction().execute(async (trx) => {
        // Far below the quadratic plan's time, far above the linear one's (a few milliseconds).
        if (postgres) await sql`set local statement_timeout = '2s'`.execute(trx);
        return takePendingDeals(trx, { limit: 500, skipLocked: step % 2 === 0 });
      });
      if (rows.length === 0) break;
      taken.push(...rows.map((row) => row.deal_id));
    }
    expect(taken).toEqual(ids);
    expect(await readPendingWork(db)).toEqual({ deals: 0, oldestAgeSeconds: 0 });
  });
});
