/**
 * Times the propagation worker's step on recorded deals, statement by statement: a SQLite file
 * with the benchmark's data (written straight into the tables), every result computed once, then
 * rounds of 1,000 touchpoints on 1,000 distinct recorded deals, each followed by the drain.
 * `npx tsx bench/drain-step.ts [--deals 50000] [--touchpoints 250000] [--rounds 10]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { drainPendingStep, finishPendingWork } from '../src/services/attribution/pending-work.js';
import { markAllDealsPending, markDealsPending } from '../src/storage/attribution-pending.js';
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
  const now = Date.now();

  const plain = createDatabase({ dbPath });
  const db = plain.withPlugin(new StatementTiming());
  const ctx = { db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() };
  await db.transaction().execute((trx) => markAllDealsPending(trx, Date.now(), 'rebuild'));
  let started = performance.now();
  await finishPendingWork(ctx);
  console.log(`first computation of ${deals} deals: ${(performance.now() - started).toFixed(0)} ms`);
  timings.clear();

  let drainMs = 0;
  const session = process.env.DRAIN_PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
  }
  let next = touchpoints;
  for (let round = 0; round < rounds; round++) {
    const batch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('events').values(batch.map((t) => ({ id: t.id, partner_id: t.partner_id, deal_id: t.deal_id, touchpoint_type: t.touchpoint_type, timestamp: Date.parse(t.timestamp), metadata: null, request_hash: 'x', created_at: now }))).execute();
      await markDealsPending(trx, batch.map((t) => t.deal_id), Date.now(), 'touchpoint added');
    });
    timings.clear();
    started = performance.now();
    const cpu = process.cpuUsage();
    while ((await drainPendingStep(ctx)) > 0);
    const used = process.cpuUsage(cpu);
    drainMs += performance.now() - started;
    if (round === rounds - 1) {
      console.log(`last round: ${(performance.now() - started).toFixed(1)} ms wall, ${((used.user + used.system) / 1000).toFixed(1)} ms CPU`);
      for (const [label, { count, ms }] of [...timings].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${label.padEnd(40)} ${String(count).padStart(4)}× ${ms.toFixed(1)} ms`);
    }
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.DRAIN_PROFILE!, JSON.stringify(profile));
  }
  console.log(`drain of 1,000 recorded deals: ${(drainMs / rounds).toFixed(1)} ms on average over ${rounds} rounds`);
  await plain.destroy();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
