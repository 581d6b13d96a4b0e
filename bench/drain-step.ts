/**
 * CPU per batch into recorded deals: the service's batch write and the drain of what it marked, statement by statement,
 * against the bare baseline's insert, on a SQLite file with the benchmark's data (written straight into the tables, every
 * result computed once), each in a file of its own as the bench's servers have. CPU time of the main thread, not wall
 * time: other jobs on a shared machine move it less. The checkpoints left in each log at the end are run and counted.
 * `npx tsx bench/drain-step.ts [--deals 50000] [--touchpoints 250000] [--rounds 10]`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { drainPendingStep } from '../src/services/attribution/pending-work.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { benchDealRow, computeEveryResult, cpuMs, parseStepBenchArgs, printStatements, startCpuProfile, threadCpuMs } from './batch-steps.js';
import { servicePragmas } from './baseline-store.js';
import { touchpoint } from './dataset.js';
import { writeDatasetToSqlite } from './sqlite-dataset.js';

const { deals, touchpoints, partners, rounds } = parseStepBenchArgs({ deals: 50_000, touchpoints: 250_000, rounds: 10 }, 'sqlite');

const directory = mkdtempSync(join(tmpdir(), 'drain-bench-'));
const dbPath = join(directory, 'drain.db');
try {
  const setup = createDatabase({ dbPath });
  await migrateToLatest(setup, undefined);
  await setup.destroy();
  writeDatasetToSqlite(dbPath, { deals, touchpoints, partners }, benchDealRow);
  // The bare baseline writes a copy, as the bench's baseline server has a file of its own: each
  // file's write-ahead log is then checkpointed by the connection (or thread) that owns it.
  const barePath = join(directory, 'bare.db');
  copyFileSync(dbPath, barePath);

  const plain = createDatabase({ dbPath });
  const { ctx, timings, recordBatch } = await computeEveryResult(plain, deals);
  const now = Date.now();
  timings.clear();

  const stopProfile = await startCpuProfile('DRAIN_PROFILE');
  // The bare baseline's work for a batch (bench/baseline-store.ts): prepared inserts of its rows in one transaction.
  const bare = new SQLite(barePath);
  for (const pragma of servicePragmas()) bare.pragma(pragma);
  // As seeding through the API leaves it before any fit: every deal's touchpoints wait for the first refit.
  bare.exec('insert or ignore into attribution_fit_pending (deal_id, enqueued_at, change_seq) select id, 0, 0 from deals');
  const bareInsert = bare.prepare(
    'insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const spent = { bare: 0, ingest: 0, drain: 0 };
  const processAtStart = cpuMs();
  const threadAtStart = threadCpuMs();
  let next = touchpoints;
  for (let round = 0; round < rounds; round++) {
    const bareBatch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    let started = threadCpuMs();
    const body = JSON.parse(JSON.stringify({ events: bareBatch })) as { events: typeof bareBatch };
    bare.transaction(() => {
      for (const t of body.events) {
        const hash = createHash('sha256').update(JSON.stringify(t)).digest('hex');
        bareInsert.run(t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), JSON.stringify(t.metadata), hash, now);
      }
    })();
    spent.bare += threadCpuMs() - started;
    // The service's batch on the next 1,000 deals: the same kind of rows, on deals the bare batch did not mark.
    const batch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    timings.clear();
    started = threadCpuMs();
    await recordBatch(batch);
    spent.ingest += threadCpuMs() - started;
    if (round === rounds - 1) printStatements("the last round's ingest", timings);
    timings.clear();
    started = threadCpuMs();
    while ((await drainPendingStep(ctx)) > 0);
    spent.drain += threadCpuMs() - started;
    if (round === rounds - 1) printStatements("the last round's drain", timings);
  }
  // What the last checkpoints left in each log is work done too: copied now, on this thread, and counted.
  let started = threadCpuMs();
  bare.pragma('wal_checkpoint(PASSIVE)');
  spent.bare += threadCpuMs() - started;
  const copier = new SQLite(dbPath);
  copier.pragma('synchronous = NORMAL');
  started = threadCpuMs();
  copier.pragma('wal_checkpoint(PASSIVE)');
  spent.drain += threadCpuMs() - started;
  copier.close();
  await stopProfile();
  const otherThreads = cpuMs() - processAtStart - (threadCpuMs() - threadAtStart);
  const per = (ms: number) => (ms / rounds).toFixed(1);
  console.log(
    `CPU of the main thread per batch of 1,000 touchpoints on 1,000 recorded deals, over ${rounds} rounds: bare insert ${per(spent.bare)} ms; ` +
      `service ingest ${per(spent.ingest)} ms + drain ${per(spent.drain)} ms; ` +
      `bare / service = ${((100 * spent.bare) / (spent.ingest + spent.drain)).toFixed(1)} %; ` +
      `the process's other threads (V8's helpers, the profiler) ${per(otherThreads)} ms`,
  );
  bare.close();
  await plain.destroy();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
