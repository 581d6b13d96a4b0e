/**
 * CPU per batch into recorded deals: the service's batch write and the drain of what it marked, statement by statement,
 * against the bare baseline's insert, on a SQLite file with the benchmark's data (written straight into the tables, every
 * result computed once). CPU time, not wall time: other jobs on a shared machine move it less.
 * `npx tsx bench/drain-step.ts [--deals 50000] [--touchpoints 250000] [--rounds 10]`.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { drainPendingStep, finishPendingWork } from '../src/services/attribution/pending-work.js';
import { markAllDealsPending } from '../src/storage/attribution-pending.js';
import { recordTouchpointBatch } from '../src/services/touchpoints.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { dealBody, touchpoint } from './dataset.js';
import { writeDatasetToSqlite } from './sqlite-dataset.js';

const { values } = parseArgs({ options: { deals: { type: 'string' }, touchpoints: { type: 'string' }, partners: { type: 'string' }, rounds: { type: 'string' } } });
const deals = Number(values.deals ?? 50_000);
const touchpoints = Number(values.touchpoints ?? 250_000);
const partners = Number(values.partners ?? 2000);
const rounds = Number(values.rounds ?? 10);

const timings = new Map<string, { count: number; ms: number }>();
class StatementTiming implements KyselyPlugin {
  readonly #started = new WeakMap<object, { label: string; at: number }>();
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.#started.set(queryId, { label: labelOf(node), at: performance.now() });
    return node;
  }
  async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const started = this.#started.get(queryId);
    if (started) {
      const entry = timings.get(started.label) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += performance.now() - started.at;
      timings.set(started.label, entry);
    }
    return result;
  }
}
interface TableRef {
  table?: { identifier?: { name?: string } };
  node?: TableRef;
}
function labelOf(node: RootOperationNode): string {
  const n = node as { into?: TableRef; from?: { froms?: TableRef[] } };
  const from = n.from?.froms?.[0];
  const table = n.into?.table?.identifier?.name ?? from?.table?.identifier?.name ?? from?.node?.table?.identifier?.name ?? '?';
  return `${node.kind.replace(/QueryNode$/, '').toLowerCase()} ${table}`;
}

function printStatements(what: string): void {
  console.log(`statements of ${what}:`);
  for (const [label, { count, ms }] of [...timings].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${label.padEnd(40)} ${String(count).padStart(4)}× ${ms.toFixed(1)} ms`);
}

const directory = mkdtempSync(join(tmpdir(), 'drain-bench-'));
const dbPath = join(directory, 'drain.db');
try {
  const setup = createDatabase({ dbPath });
  await migrateToLatest(setup, undefined);
  await setup.destroy();
  writeDatasetToSqlite(dbPath, { deals, touchpoints, partners }, (d) => {
    const body = dealBody(d);
    const model = body.attribution_model ?? 'role-based';
    return { id: body.id, amountMinor: Math.round(body.amount * 100), closedAt: Date.parse(body.closed_date), model, status: body.status as 'won' | 'lost' };
  });

  const plain = createDatabase({ dbPath });
  const db = plain.withPlugin(new StatementTiming());
  const ctx = { db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() };
  await db.transaction().execute((trx) => markAllDealsPending(trx, Date.now(), 'rebuild'));
  const started = performance.now();
  await finishPendingWork(ctx);
  const now = Date.now();
  console.log(`first computation of ${deals} deals: ${(performance.now() - started).toFixed(0)} ms`);
  timings.clear();

  const session = process.env.DRAIN_PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
  }
  // The bare baseline's work for a batch (bench/baseline-store.ts): prepared inserts of its rows in one transaction.
  const bare = new SQLite(dbPath);
  bare.pragma('journal_mode = WAL');
  bare.pragma('synchronous = NORMAL');
  // As seeding through the API leaves it before any fit: every deal's touchpoints wait for the first refit.
  bare.exec('insert or ignore into attribution_fit_pending (deal_id, enqueued_at, change_seq) select id, 0, 0 from deals');
  const bareInsert = bare.prepare(
    'insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const service = { ...ctx, payoutCipher: undefined as never, defaultCurrency: 'USD', pendingWork: { notify: () => undefined } };
  const actor = { keyId: null, keyName: 'bench' };
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const spent = { bare: 0, ingest: 0, drain: 0 };
  let next = touchpoints;
  for (let round = 0; round < rounds; round++) {
    const bareBatch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    let started = cpuMs();
    const body = JSON.parse(JSON.stringify({ events: bareBatch })) as { events: typeof bareBatch };
    bare.transaction(() => {
      for (const t of body.events) {
        const hash = createHash('sha256').update(JSON.stringify(t)).digest('hex');
        bareInsert.run(t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), JSON.stringify(t.metadata), hash, now);
      }
    })();
    spent.bare += cpuMs() - started;
    // The service's batch on the next 1,000 deals: the same kind of rows, on deals the bare batch did not mark.
    const batch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    timings.clear();
    started = cpuMs();
    const inputs = (JSON.parse(JSON.stringify({ events: batch })) as { events: typeof batch }).events.map((t) => ({
      id: t.id,
      partner_id: t.partner_id,
      deal_id: t.deal_id,
      touchpoint_type: t.touchpoint_type,
      timestamp: Date.parse(t.timestamp),
      metadata: t.metadata,
    }));
    await recordTouchpointBatch(service, inputs, actor);
    spent.ingest += cpuMs() - started;
    if (round === rounds - 1) printStatements("the last round's ingest");
    timings.clear();
    started = cpuMs();
    while ((await drainPendingStep(ctx)) > 0);
    spent.drain += cpuMs() - started;
    if (round === rounds - 1) printStatements("the last round's drain");
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.DRAIN_PROFILE!, JSON.stringify(profile));
  }
  const per = (ms: number) => (ms / rounds).toFixed(1);
  console.log(
    `CPU per batch of 1,000 touchpoints on 1,000 recorded deals, over ${rounds} rounds: bare insert ${per(spent.bare)} ms; ` +
      `service ingest ${per(spent.ingest)} ms + drain ${per(spent.drain)} ms; ` +
      `bare / service = ${((100 * spent.bare) / (spent.ingest + spent.drain)).toFixed(1)} %`,
  );
  bare.close();
  await plain.destroy();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
