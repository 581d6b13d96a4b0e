/**
 * A batch of 1,000 touchpoints on PostgreSQL, statement by statement: the bare baseline's one multi-row insert against
 * the service's batch write and the drain of what it marked, for deals not yet recorded and for recorded deals (stored
 * results), on a throw-away database with the benchmark's data written straight into the tables. Sequential, one
 * batch at a time: wall time, this process's CPU and the database backends' CPU (from /proc, the server being local).
 * `npx tsx bench/batch-step-pg.ts [--deals 20000] [--touchpoints 100000] [--rounds 6] [--url postgres://…/test]`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { backendsCpuMs } from './postgres.js';
import { drainPendingStep } from '../src/services/attribution/pending-work.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { bareTouchpointRows, benchDealRow, computeEveryResult, cpuMs, parseStepBenchArgs, touchpointBatches, placeholderRows, printStatements, startCpuProfile } from './batch-steps.js';
import type { Touchpoint } from './dataset.js';
import { writeDatasetToPostgres } from './postgres-dataset.js';

const { deals, touchpoints, partners, rounds, serverUrl } = parseStepBenchArgs({ deals: 20_000, touchpoints: 100_000, rounds: 6 }, 'postgres');

const name = `bench_batchstep_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const raw = new pg.Pool({ connectionString: databaseUrl, max: 2 });
// The drop at the end ends whatever connection is left: not a failure of the measurement.
raw.on('error', () => undefined);
try {
  const setup = createDatabase({ dbPath: '', databaseUrl });
  await migrateToLatest(setup, databaseUrl);
  await setup.destroy();

  const now = Date.now();
  await writeDatasetToPostgres(databaseUrl, { deals, touchpoints, partners }, benchDealRow);
  // As seeding through the API leaves it before any fit: every deal's touchpoints wait for the first refit.
  await raw.query('insert into attribution_fit_pending (deal_id, enqueued_at, change_seq) select id, 0, 0 from deals');

  const plain = createDatabase({ dbPath: '', databaseUrl });
  const { ctx, timings, recordBatch } = await computeEveryResult(plain, deals);
  await raw.query('vacuum analyze');

  const backendCpuMs = () => backendsCpuMs(raw);
  const sides = ['bare', 'new deals', 'recorded deals'] as const;
  const spent = Object.fromEntries(sides.map((side) => [side, { wall: 0, cpu: 0, backend: 0 }])) as Record<(typeof sides)[number], { wall: number; cpu: number; backend: number }>;
  const statements = new Map<string, Map<string, { count: number; ms: number }>>();
  const batchOf = touchpointBatches(touchpoints, deals, partners);
  const measure = async (side: (typeof sides)[number], work: () => Promise<void>) => {
    const [wall0, cpu0, backend0] = [performance.now(), cpuMs(), await backendCpuMs()];
    timings.clear();
    await work();
    spent[side].wall += performance.now() - wall0;
    spent[side].cpu += cpuMs() - cpu0;
    spent[side].backend += (await backendCpuMs()) - backend0;
    statements.set(side, new Map(timings));
  };
  const serviceBatch = (batch: Touchpoint[]) => async () => {
    await recordBatch(batch);
    while ((await drainPendingStep(ctx)) > 0);
  };
  // BATCH_PROFILE=file.cpuprofile: this process's CPU profile over the rounds.
  const stopProfile = await startCpuProfile('BATCH_PROFILE');
  for (let round = 0; round < rounds; round++) {
    const bareBatch = batchOf(false);
    await measure('bare', async () => {
      const rows = bareTouchpointRows(JSON.stringify({ events: bareBatch }), now);
      await raw.query(
        `insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values ${placeholderRows(rows.length, 8)}`,
        rows.flat(),
      );
    });
    await measure('new deals', serviceBatch(batchOf(false)));
    await measure('recorded deals', serviceBatch(batchOf(true)));
  }
  await stopProfile();
  for (const side of sides.slice(1)) printStatements(`the last round, ${side} (wall ms, write and drain)`, statements.get(side)!);
  const per = (ms: number) => (ms / rounds).toFixed(1);
  for (const side of sides) {
    const { wall, cpu, backend } = spent[side];
    console.log(`${side.padEnd(15)} per batch: wall ${per(wall)} ms, node CPU ${per(cpu)} ms, backend CPU ${per(backend)} ms`);
  }
  for (const side of sides.slice(1)) {
    console.log(`bare / service (wall), ${side}: ${((100 * spent.bare.wall) / spent[side].wall).toFixed(1)} %`);
  }
  await plain.destroy();
} finally {
  await raw.end();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
