import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
/**
 * What the two benches of one batch's write and drain share, `bench/drain-step.ts` (SQLite) and
 * `bench/batch-step-pg.ts` (PostgreSQL): their flags, the deals they write straight into the
 * tables, the first computation of every result, statement timings, this process's CPU, a CPU
 * profile on request, and the service's batch write from the request body on.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { finishPendingWork } from '../src/services/attribution/pending-work.js';
import { recordTouchpointBatch } from '../src/services/touchpoints.js';
import { markAllDealsPending } from '../src/storage/attribution-pending.js';
import type { Db } from '../src/storage/db.js';
import { dealBody, touchpoint, type Touchpoint } from './dataset.js';
import type { DealRowValues } from './sqlite-dataset.js';

export interface StepBenchArgs {
  deals: number;
  touchpoints: number;
  partners: number;
  rounds: number;
  /** With `--url` (PostgreSQL only): the server to create the throw-away database on. */
  serverUrl: string;
}

/** `--deals`, `--touchpoints`, `--partners` (default 2000), `--rounds`, and on PostgreSQL `--url`. */
export function parseStepBenchArgs(defaults: { deals: number; touchpoints: number; rounds: number }, engine: 'sqlite' | 'postgres'): StepBenchArgs {
  const flags = ['deals', 'touchpoints', 'partners', 'rounds', ...(engine === 'postgres' ? ['url'] : [])];
  const { values } = parseArgs({ options: Object.fromEntries(flags.map((flag) => [flag, { type: 'string' as const }])) });
  const text = (flag: string) => values[flag] as string | undefined;
  return {
    deals: Number(text('deals') ?? defaults.deals),
    touchpoints: Number(text('touchpoints') ?? defaults.touchpoints),
    partners: Number(text('partners') ?? 2000),
    rounds: Number(text('rounds') ?? defaults.rounds),
    serverUrl: text('url') ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
}

/**
 * The secondary indexes only reads rely on (`FLOOR_LEAN=1` drops them from a floor's database, to
 * bound what any choice of indexes could save a write): the audit log's three, the shares' two
 * covering ones and the results' four.
 */
export const READ_INDEXES = [
  'audit_log_at',
  'audit_log_entity',
  'audit_log_key',
  'attribution_shares_period',
  'attribution_shares_partner',
  'attribution_results_period',
  'attribution_results_closed',
  'attribution_results_settings',
  'attribution_results_fit',
];

/** What the bare baseline makes of a batch's body: each touchpoint's row, parsed and hashed, in the events table's column order. */
export function bareTouchpointRows(body: string, now: number): unknown[][] {
  const { events } = JSON.parse(body) as { events: Touchpoint[] };
  return events.map((t) => [
    t.id,
    t.partner_id,
    t.deal_id,
    t.touchpoint_type,
    Date.parse(t.timestamp),
    JSON.stringify(t.metadata),
    createHash('sha256').update(JSON.stringify(t)).digest('hex'),
    now,
  ]);
}

/**
 * Batches of 1,000 touchpoints numbered on from `first`, never repeating one: on recorded deals
 * (the data set's), or each on a deal of its own that is not recorded (`nd-…`).
 */
export function touchpointBatches(first: number, deals: number, partners: number): (recorded: boolean) => Touchpoint[] {
  let next = first;
  return (recorded) =>
    Array.from({ length: 1000 }, () => {
      const t = touchpoint(next++, deals, partners);
      return recorded ? t : { ...t, deal_id: `nd-${next}` };
    });
}

/** PostgreSQL's `($1, …, $width), …`: one row of placeholders per row, as a multi-row insert takes them. */
export const placeholderRows = (rows: number, width: number): string =>
  Array.from({ length: rows }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`).join(', ');

/** Deal `index` of the benchmark's data set, as its row (the API's body in minor units). */
export function benchDealRow(index: number): DealRowValues {
  const body = dealBody(index);
  return {
    id: body.id,
    amountMinor: Math.round(body.amount * 100),
    closedAt: Date.parse(body.closed_date),
    model: body.attribution_model ?? 'role-based',
    status: body.status as 'won' | 'lost',
  };
}

type Timings = Map<string, { count: number; ms: number }>;

/** Wall time per kind of statement and table (`insert events`) of what runs through a Kysely instance with it. */
export class StatementTimings implements KyselyPlugin {
  readonly byLabel: Timings = new Map();
  readonly #started = new WeakMap<object, { label: string; at: number }>();
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.#started.set(queryId, { label: labelOf(node), at: performance.now() });
    return node;
  }
  async transformResult({ queryId, result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const started = this.#started.get(queryId);
    if (started) {
      const entry = this.byLabel.get(started.label) ?? { count: 0, ms: 0 };
      entry.count++;
      entry.ms += performance.now() - started.at;
      this.byLabel.set(started.label, entry);
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

/** Prints `statements of <what>:` and a line per label, the longest first. */
export function printStatements(what: string, timings: ReadonlyMap<string, { count: number; ms: number }>): void {
  console.log(`statements of ${what}:`);
  for (const [label, { count, ms }] of [...timings].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${label.padEnd(40)} ${String(count).padStart(4)}× ${ms.toFixed(1)} ms`);
}

/** This process's CPU time so far, in ms (all its threads). */
export function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

/**
 * The calling thread's CPU time so far, in ms (Linux: /proc/thread-self/schedstat, in ns). What the
 * event loop itself spent, without the engine's helper threads (the garbage collector's, the compiler's).
 */
export function threadCpuMs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
}

/**
 * The service on `plain` with statement timings, once every deal's result is computed (timed and
 * printed); `recordBatch` is the work of `POST /events/batch` from the parsed body on, without HTTP.
 */
export async function computeEveryResult(plain: Db, deals: number) {
  const timings = new StatementTimings();
  const db = plain.withPlugin(timings);
  const ctx = { db, now: Date.now, defaultModel: 'role-based' as const, fits: new FitCache() };
  await db.transaction().execute((trx) => markAllDealsPending(trx, Date.now(), 'rebuild'));
  const started = performance.now();
  await finishPendingWork(ctx);
  console.log(`first computation of ${deals} deals: ${(performance.now() - started).toFixed(0)} ms`);
  const service = { ...ctx, payoutCipher: undefined as never, defaultCurrency: 'USD', pendingWork: { notify: () => undefined } };
  const actor = { keyId: null, keyName: 'bench' };
  const recordBatch = async (batch: readonly Touchpoint[]) => {
    const inputs = (JSON.parse(JSON.stringify({ events: batch })) as { events: Touchpoint[] }).events.map((t) => ({
      id: t.id,
      partner_id: t.partner_id,
      deal_id: t.deal_id,
      touchpoint_type: t.touchpoint_type,
      timestamp: Date.parse(t.timestamp),
      metadata: t.metadata,
    }));
    await recordTouchpointBatch(service, inputs, actor);
  };
  return { ctx, timings: timings.byLabel, recordBatch };
}

/**
 * Starts a CPU profile of this process when the environment variable `variable` names a file;
 * the function it returns stops it and writes it there.
 */
export async function startCpuProfile(variable: string): Promise<() => Promise<void>> {
  const file = process.env[variable];
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
  };
}
