/**
 * GET /analytics on PostgreSQL in process, through the service function its route calls, on a
 * database made by `bench/analytics-pg-setup.ts`: the first call of a fresh pool, then `--runs`
 * calls of all time and of the ragged period, alternating. Wall time per call, and over the runs
 * this process's CPU and the database backends' (from /proc, the server being local).
 * `--explain`: EXPLAIN (ANALYZE, BUFFERS) of each statement of one call of each.
 * `npx tsx bench/analytics-pg.ts --url postgres://…/bench_pga_… [--runs 30] [--explain]`.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { backendsCpuMs } from './postgres.js';
import { getAnalytics, type AnalyticsQuery } from '../src/services/analytics/overview.js';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { createDatabase } from '../src/storage/db.js';
import { cpuMs, printStatements, startCpuProfile, StatementTimings } from './batch-steps.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, runs: { type: 'string' }, explain: { type: 'boolean' } } });
const databaseUrl = values.url!;
const runs = Number(values.runs ?? 30);
const queries: Record<string, AnalyticsQuery> = {
  all: { period: {}, currency: 'USD', partnersLimit: 20 },
  ragged: { period: { from: Date.parse('2024-02-15T00:00:00.000Z'), to: Date.parse('2024-11-20T23:59:59.999Z') }, currency: 'USD', partnersLimit: 20 },
};

const raw = new pg.Client({ connectionString: databaseUrl });
await raw.connect();
const backendCpuMs = () => backendsCpuMs(raw, false);

const captured: { text: string; values: unknown[] }[] = [];
let capturing = false;
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text: string; values?: unknown[] };
  if (capturing) captured.push(typeof first === 'string' ? { text: first, values: (args[1] as unknown[]) ?? [] } : { text: first.text, values: first.values ?? [] });
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

const timings = new StatementTimings();
const plain = createDatabase({ dbPath: '', databaseUrl });
const db = plain.withPlugin(timings);
const ctx = {
  db,
  now: Date.now,
  defaultModel: 'role-based' as const,
  fits: new FitCache(),
  payoutCipher: undefined as never,
  defaultCurrency: 'USD',
  pendingWork: { notify: () => undefined },
};

const call = async (query: AnalyticsQuery) => {
  const started = performance.now();
  await getAnalytics(ctx, query);
  return performance.now() - started;
};

const first = await call(queries.all!);
console.log(`first call (fresh pool): ${first.toFixed(1)} ms`);
printStatements('the first call', timings.byLabel);

if (values.explain) {
  for (const [name, query] of Object.entries(queries)) {
    captured.length = 0;
    capturing = true;
    await call(query);
    capturing = false;
    console.log(`\n=== ${name}: ${captured.length} statements`);
    await raw.query(`begin isolation level repeatable read`);
    await raw.query(`select set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)`);
    for (const { text, values: params } of captured) {
      if (/^(begin|commit|start|rollback|select set_config)/i.test(text.trim()) || !/^\s*select/i.test(text)) {
        console.log(`-- ${text.slice(0, 100)}`);
        continue;
      }
      const { rows } = await raw.query(`explain (analyze, buffers) ${text}`, params);
      console.log(`\n-- ${text}\n-- ${JSON.stringify(params).slice(0, 200)}`);
      for (const row of rows) console.log((row as Record<string, string>)['QUERY PLAN']);
    }
    await raw.query('commit');
  }
}

const walls: Record<string, number[]> = { all: [], ragged: [] };
const cpu: Record<string, { node: number; backend: number }> = { all: { node: 0, backend: 0 }, ragged: { node: 0, backend: 0 } };
const statements: Record<string, Map<string, { count: number; ms: number }>> = {};
// ANALYTICS_PROFILE=file.cpuprofile: this process's CPU profile over the measured calls.
const stopProfile = await startCpuProfile('ANALYTICS_PROFILE');
for (const name of Object.keys(queries)) {
  timings.byLabel.clear();
  for (let run = 0; run < runs; run++) {
    const [node0, backend0] = [cpuMs(), await backendCpuMs()];
    walls[name]!.push(await call(queries[name]!));
    cpu[name]!.node += cpuMs() - node0;
    cpu[name]!.backend += (await backendCpuMs()) - backend0;
  }
  statements[name] = new Map(timings.byLabel);
}
await stopProfile();
const p50 = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
for (const name of Object.keys(queries)) {
  printStatements(`${runs} calls, ${name}`, statements[name]!);
  console.log(
    `${name}: p50 ${p50(walls[name]!).toFixed(1)} ms, min ${Math.min(...walls[name]!).toFixed(1)}, max ${Math.max(...walls[name]!).toFixed(1)}; per call node CPU ${(cpu[name]!.node / runs).toFixed(1)} ms, backend CPU ${(cpu[name]!.backend / runs).toFixed(1)} ms`,
  );
}
console.log(`RESULT first=${first.toFixed(1)} all=${p50(walls.all!).toFixed(1)} ragged=${p50(walls.ragged!).toFixed(1)} allBackend=${(cpu.all!.backend / runs).toFixed(1)} raggedBackend=${(cpu.ragged!.backend / runs).toFixed(1)} allNode=${(cpu.all!.node / runs).toFixed(1)} raggedNode=${(cpu.ragged!.node / runs).toFixed(1)}`);
await plain.destroy();
await raw.end();
