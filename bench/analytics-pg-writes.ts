/**
 * The write phases the full benchmark runs before GET /analytics, roughly: `--touchpoints` more
 * touchpoints on recorded deals through the service's batch write (1,000 a batch), each batch
 * drained by the worker's step, and no vacuum afterwards (the benchmark's server runs with
 * autovacuum off). `npx tsx bench/analytics-pg-writes.ts --url postgres://…/bench_pga_… [--touchpoints 140000] [--leave 0]`
 * `--leave n`: the last n touchpoints are written one batch without a drain (left pending).
 * `--analytics`: then GET /analytics's service call on the same pool, as the benchmark's server
 * answers it after its write phases: the first call with its statements, and 10 more.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { drainPendingStep } from '../src/services/attribution/pending-work.js';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { recordTouchpointBatch } from '../src/services/touchpoints.js';
import { getAnalytics } from '../src/services/analytics/overview.js';
import { createDatabase } from '../src/storage/db.js';
import { printStatements, StatementTimings } from './batch-steps.js';
import { touchpoint, type Touchpoint } from './dataset.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, touchpoints: { type: 'string' }, leave: { type: 'string' }, analytics: { type: 'boolean' } } });
const databaseUrl = values.url!;
const count = Number(values.touchpoints ?? 140_000);
const leave = Number(values.leave ?? 0);
const raw = new pg.Client({ connectionString: databaseUrl });
await raw.connect();
const { rows } = await raw.query<{ deals: number; events: number }>('select (select count(*)::int from deals) as deals, (select count(*)::int from events) as events');
await raw.end();
const { deals, events } = rows[0]!;
const timings = new StatementTimings();
const db = createDatabase({ dbPath: '', databaseUrl }).withPlugin(timings);
const ctx = { db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache(), payoutCipher: undefined as never, defaultCurrency: 'USD', pendingWork: { notify: () => undefined } };
const actor = { keyId: null, keyName: 'bench' };
let next = events + 1_000_000;
const write = async (size: number) => {
  const batch: Touchpoint[] = Array.from({ length: size }, () => touchpoint(next++, deals, 2000));
  await recordTouchpointBatch(ctx, batch.map((t) => ({ id: t.id, partner_id: t.partner_id, deal_id: t.deal_id, touchpoint_type: t.touchpoint_type, timestamp: Date.parse(t.timestamp), metadata: t.metadata })), actor);
};
const started = performance.now();
for (let written = 0; written < count - leave; written += 1000) {
  await write(Math.min(1000, count - leave - written));
  while ((await drainPendingStep(ctx)) > 0);
}
if (leave > 0) await write(leave);
console.log(`${count} touchpoints written (${leave} left pending) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
if (values.analytics) {
  const call = async () => {
    const started = performance.now();
    await getAnalytics(ctx, { period: {}, currency: 'USD', partnersLimit: 20 });
    return performance.now() - started;
  };
  // WARM_JS=1: one call over a period without data first, so the first timed call finds the
  // service's code compiled by V8 and only the database cold.
  if (process.env.WARM_JS) {
    const started = performance.now();
    await getAnalytics(ctx, { period: { from: Date.parse('1990-01-01T00:00:00Z'), to: Date.parse('1990-03-15T12:00:00Z') }, currency: 'USD', partnersLimit: 20 });
    console.log(`a call over an empty period: ${(performance.now() - started).toFixed(1)} ms`);
  }
  timings.byLabel.clear();
  console.log(`first GET /analytics after the writes: ${(await call()).toFixed(1)} ms`);
  printStatements('the first call', timings.byLabel);
  const more = [];
  for (let run = 0; run < 10; run++) more.push(await call());
  console.log(`then: ${more.map((ms) => ms.toFixed(1)).join(' ')} ms`);
}
await db.destroy();
