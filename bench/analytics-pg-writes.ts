/**
 * The write phases the full benchmark runs before GET /analytics, roughly: `--touchpoints` more
 * touchpoints on recorded deals through the service's batch write (1,000 a batch), each batch
 * drained by the worker's step, and no vacuum afterwards (the benchmark's server runs with
 * autovacuum off). `npx tsx bench/analytics-pg-writes.ts --url postgres://…/bench_pga_… [--touchpoints 140000] [--leave 0]`
 * `--leave n`: the last n touchpoints are written one batch without a drain (left pending).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { drainPendingStep } from '../src/services/attribution/pending-work.js';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { recordTouchpointBatch } from '../src/services/touchpoints.js';
import { createDatabase } from '../src/storage/db.js';
import { touchpoint, type Touchpoint } from './dataset.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, touchpoints: { type: 'string' }, leave: { type: 'string' } } });
const databaseUrl = values.url!;
const count = Number(values.touchpoints ?? 140_000);
const leave = Number(values.leave ?? 0);
const raw = new pg.Client({ connectionString: databaseUrl });
await raw.connect();
const { rows } = await raw.query<{ deals: number; events: number }>('select (select count(*)::int from deals) as deals, (select count(*)::int from events) as events');
await raw.end();
const { deals, events } = rows[0]!;
const db = createDatabase({ dbPath: '', databaseUrl });
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
await db.destroy();
