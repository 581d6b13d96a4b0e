/**
 * A batch of 1,000 touchpoints on PostgreSQL, statement by statement: the bare baseline's one multi-row insert against
 * the service's batch write and the drain of what it marked, for deals not yet recorded and for recorded deals (stored
 * results), on a throw-away database with the benchmark's data written straight into the tables. Sequential, one
 * batch at a time: wall time, this process's CPU and the database backends' CPU (from /proc, the server being local).
 * `npx tsx bench/batch-step-pg.ts [--deals 20000] [--touchpoints 100000] [--rounds 6] [--url postgres://…/test]`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import pg from 'pg';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { drainPendingStep, finishPendingWork } from '../src/services/attribution/pending-work.js';
import { recordTouchpointBatch } from '../src/services/touchpoints.js';
import { markAllDealsPending } from '../src/storage/attribution-pending.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { dealBody, partnerId, touchpoint, type Touchpoint } from './dataset.js';

const { values } = parseArgs({
  options: { deals: { type: 'string' }, touchpoints: { type: 'string' }, partners: { type: 'string' }, rounds: { type: 'string' }, url: { type: 'string' } },
});
const deals = Number(values.deals ?? 20_000);
const touchpoints = Number(values.touchpoints ?? 100_000);
const partners = Number(values.partners ?? 2000);
const rounds = Number(values.rounds ?? 6);
const serverUrl = values.url ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
  const n = node as { into?: TableRef; from?: { froms?: TableRef[] }; table?: TableRef };
  const from = n.from?.froms?.[0];
  const table = n.into?.table?.identifier?.name ?? n.table?.table?.identifier?.name ?? from?.table?.identifier?.name ?? from?.node?.table?.identifier?.name ?? '?';
  return `${node.kind.replace(/QueryNode$/, '').toLowerCase()} ${table}`;
}

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
  const insertMany = async (table: string, columns: string[], rows: unknown[][]) => {
    for (let start = 0; start < rows.length; start += 5000) {
      const chunk = rows.slice(start, start + 5000);
      const placeholders = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
      await raw.query(`insert into ${table} (${columns.join(', ')}) values ${placeholders.join(', ')}`, chunk.flat());
    }
  };
  await insertMany(
    'partners',
    ['id', 'name', 'email', 'email_normalized', 'status', 'created_at', 'updated_at'],
    Array.from({ length: partners }, (_, p) => [partnerId(p), `Partner ${p}`, `p${p}@example.com`, `p${p}@example.com`, 'active', now, now]),
  );
  await insertMany(
    'deals',
    ['id', 'amount', 'currency', 'closed_at', 'attribution_model', 'status', 'created_at', 'updated_at'],
    Array.from({ length: deals }, (_, d) => {
      const body = dealBody(d);
      return [body.id, Math.round(body.amount * 100), 'USD', Date.parse(body.closed_date), body.attribution_model ?? 'role-based', body.status, now, now];
    }),
  );
  await insertMany(
    'events',
    ['id', 'partner_id', 'deal_id', 'touchpoint_type', 'timestamp', 'metadata', 'request_hash', 'created_at'],
    Array.from({ length: touchpoints }, (_, n) => {
      const t = touchpoint(n, deals, partners);
      return [t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), null, 'x', now];
    }),
  );
  // As seeding through the API leaves it before any fit: every deal's touchpoints wait for the first refit.
  await raw.query('insert into attribution_fit_pending (deal_id, enqueued_at, change_seq) select id, 0, 0 from deals');

  const plain = createDatabase({ dbPath: '', databaseUrl });
  const db = plain.withPlugin(new StatementTiming());
  const ctx = { db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() };
  await db.transaction().execute((trx) => markAllDealsPending(trx, Date.now(), 'rebuild'));
  const started = performance.now();
  await finishPendingWork(ctx);
  console.log(`first computation of ${deals} deals: ${(performance.now() - started).toFixed(0)} ms`);
  await raw.query('vacuum analyze');

  const backendCpuMs = async () => {
    const { rows } = await raw.query<{ pid: number }>('select pid from pg_stat_activity where datname = current_database()');
    let ticks = 0;
    for (const { pid } of rows) {
      try {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // A backend that ended meanwhile.
      }
    }
    return ticks * 10;
  };
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const service = { ...ctx, payoutCipher: undefined as never, defaultCurrency: 'USD', pendingWork: { notify: () => undefined } };
  const actor = { keyId: null, keyName: 'bench' };
  const sides = ['bare', 'new deals', 'recorded deals'] as const;
  const spent = Object.fromEntries(sides.map((side) => [side, { wall: 0, cpu: 0, backend: 0 }])) as Record<(typeof sides)[number], { wall: number; cpu: number; backend: number }>;
  const statements = new Map<string, Map<string, { count: number; ms: number }>>();
  let next = touchpoints;
  const batchOf = (recorded: boolean): Touchpoint[] =>
    Array.from({ length: 1000 }, () => {
      const t = touchpoint(next++, deals, partners);
      return recorded ? t : { ...t, deal_id: `nd-${next}` };
    });
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
    const inputs = (JSON.parse(JSON.stringify({ events: batch })) as { events: Touchpoint[] }).events.map((t) => ({
      id: t.id,
      partner_id: t.partner_id,
      deal_id: t.deal_id,
      touchpoint_type: t.touchpoint_type,
      timestamp: Date.parse(t.timestamp),
      metadata: t.metadata,
    }));
    await recordTouchpointBatch(service, inputs, actor);
    while ((await drainPendingStep(ctx)) > 0);
  };
  // BATCH_PROFILE=file.cpuprofile: this process's CPU profile over the rounds.
  const session = process.env.BATCH_PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 250 });
    await session.post('Profiler.start');
  }
  for (let round = 0; round < rounds; round++) {
    const bareBatch = batchOf(false);
    await measure('bare', async () => {
      const body = JSON.parse(JSON.stringify({ events: bareBatch })) as { events: Touchpoint[] };
      const rows = body.events.map((t) => [
        t.id,
        t.partner_id,
        t.deal_id,
        t.touchpoint_type,
        Date.parse(t.timestamp),
        JSON.stringify(t.metadata),
        createHash('sha256').update(JSON.stringify(t)).digest('hex'),
        now,
      ]);
      const placeholders = rows.map((_, r) => `(${Array.from({ length: 8 }, (_, c) => `$${r * 8 + c + 1}`).join(', ')})`);
      await raw.query(
        `insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values ${placeholders.join(', ')}`,
        rows.flat(),
      );
    });
    await measure('new deals', serviceBatch(batchOf(false)));
    await measure('recorded deals', serviceBatch(batchOf(true)));
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(process.env.BATCH_PROFILE!, JSON.stringify(profile));
  }
  for (const side of sides.slice(1)) {
    console.log(`statements of the last round, ${side} (wall ms, write and drain):`);
    for (const [label, { count, ms }] of [...statements.get(side)!].sort((a, b) => b[1].ms - a[1].ms)) {
      console.log(`  ${label.padEnd(40)} ${String(count).padStart(4)}× ${ms.toFixed(1)} ms`);
    }
  }
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
