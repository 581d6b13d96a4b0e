import type autocannon from 'autocannon';
import { dealBody, dealId, isWonDeal, partnerBody, TouchpointCounter } from './dataset.js';
import { JsonClient, runPool } from './http-client.js';
import { measureLoad, percentile, type LoadResult } from './load.js';
import type { BenchOptions } from './options.js';
import type { CopySource } from './baseline-store.js';
import { formatCount, formatMb, formatMs, type ResultRow } from './report.js';
import { memoryOf, waitForQuietMachine, type MemorySampler } from './processes.js';
import { parsePrometheusText, sampleValue } from '../test/helpers/prometheus.js';

export interface Server {
  url: string;
  pid: number;
  client: JsonClient;
}

/** A stretch of time on the monotonic clock (µs), named after what ran in it; the profile is cut by these. */
export interface Window {
  name: string;
  startUs: number;
  endUs: number;
}

export interface BenchContext {
  options: BenchOptions;
  service: Server;
  baseline: Server;
  /** Where the baseline copies the service's rows from. */
  serviceData: Pick<CopySource, 'sqlitePath' | 'databaseUrl'>;
  headers: Record<string, string>;
  /** The service's documented paths (from /openapi.json), to skip what is not built yet. */
  paths: Set<string>;
  counter: TouchpointCounter;
  /** The baseline's own touchpoints: a counter of its own, so its event ids never repeat either. */
  baselineCounter: TouchpointCounter;
  rows: ResultRow[];
  notes: string[];
  windows: Window[];
  memory: MemorySampler;
  log: (message: string) => void;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

async function timed<T>(ctx: BenchContext, name: string, work: () => Promise<T>): Promise<T> {
  const startUs = nowUs();
  try {
    return await work();
  } finally {
    ctx.windows.push({ name, startUs, endUs: nowUs() });
  }
}

function load(ctx: BenchContext, server: Server, requests: autocannon.Request[], connections: number): Promise<LoadResult> {
  const { duration, warmup } = ctx.options;
  return measureLoad({
    url: server.url,
    headers: ctx.headers,
    connections,
    duration,
    warmup,
    requests,
    serverPid: server.pid,
    quietWait: ctx.options.quietWait,
  });
}

function describeLoad(who: string, result: LoadResult): string {
  const codes = Object.entries(result.statusCodes)
    .map(([code, count]) => `${code}×${formatCount(count)}`)
    .join(', ');
  const cpu = result.serverCpu === undefined ? '' : `, server CPU ${result.serverCpu.toFixed(0)} %`;
  const failed = result.failed > 0 ? `, **${formatCount(result.failed)} failed**` : '';
  const other = result.otherCpu === undefined ? '' : `, other processes ${result.otherCpu.toFixed(0)} %`;
  return `${who} ${formatCount(result.ok)} ok (${codes})${failed}${cpu}, load generator CPU ${result.clientCpu.toFixed(0)} %${other}`;
}

/**
 * The service, then the baseline, under the same load; one row comparing them. With
 * `--rounds n` the pair runs n times, alternating, and each side keeps its best round: on a
 * shared machine, noise only ever makes a run slower.
 */
async function comparePair(
  ctx: BenchContext,
  scenario: string,
  requestsFor: (who: 'service' | 'baseline') => autocannon.Request[],
  targetShare: number,
  baselineAvailable = true,
  shape: { connections?: number; touchpointsPerRequest?: number; writes?: boolean } = {},
): Promise<void> {
  const connections = shape.connections ?? ctx.options.connections;
  const serviceRounds: LoadResult[] = [];
  const baselineRounds: LoadResult[] = [];
  const backlogs: number[] = [];
  for (let round = 1; round <= ctx.options.rounds; round++) {
    const of = ctx.options.rounds > 1 ? ` (round ${round}/${ctx.options.rounds})` : '';
    ctx.log(`${scenario}: service${of}`);
    serviceRounds.push(await timed(ctx, scenario, () => load(ctx, ctx.service, requestsFor('service'), connections)));
    if (shape.writes) backlogs.push(await pendingDeals(ctx));
    if (baselineAvailable) {
      ctx.log(`${scenario}: baseline${of}`);
      baselineRounds.push(await load(ctx, ctx.baseline, requestsFor('baseline'), connections));
    }
  }
  const best = (rounds: LoadResult[]) => rounds.reduce<LoadResult | undefined>((a, b) => (a && a.rps >= b.rps ? a : b), undefined);
  const service = best(serviceRounds)!;
  const baseline = best(baselineRounds);
  const failed = [...serviceRounds, ...baselineRounds].some((result) => result.failed > 0);
  const perRequest = shape.touchpointsPerRequest;
  ctx.rows.push({
    scenario: `${scenario} (${connections} conn.)`,
    rps: service.rps,
    ...(perRequest ? { rateText: `${formatCount(service.rps * perRequest)} touchpoints/s (${service.rps.toFixed(1)} req/s)` } : {}),
    p50: service.p50,
    p99: service.p99,
    ...(baseline ? { baselineRps: baseline.rps } : {}),
    target: `≥ ${targetShare * 100} % of baseline`,
    ...(baseline ? { met: !failed && service.rps >= targetShare * baseline.rps } : {}),
  });
  const all = (rounds: LoadResult[]) =>
    rounds.length > 1 ? ` [rounds: ${rounds.map((result) => formatCount(result.rps)).join(', ')} req/s]` : '';
  ctx.notes.push(
    `${scenario}: ${describeLoad('service', service)}${all(serviceRounds)}` +
      (baseline
        ? `; ${describeLoad('baseline', baseline)}, p50 ${formatMs(baseline.p50)}, p99 ${formatMs(baseline.p99)}${all(baselineRounds)}`
        : '; no baseline') +
      // The worker recomputes behind the writes: what it had not done when the window closed is
      // work the service's figure leaves out.
      (backlogs.length > 0 ? `; deals still pending when the service's window closed: ${backlogs.map(formatCount).join(', ')}` : ''),
  );
}

/** The service's backlog now: its `attribution_pending_deals` gauge. */
async function pendingDeals(ctx: BenchContext): Promise<number> {
  const samples = parsePrometheusText((await ctx.service.client.expectOk('GET', '/metrics')).body);
  return sampleValue(samples, 'attribution_pending_deals') ?? Number.NaN;
}

export async function seedPartners(ctx: BenchContext): Promise<void> {
  ctx.log(`seeding ${formatCount(ctx.options.partners)} partners`);
  await timed(ctx, 'POST /partners (seeding)', () =>
    runPool(ctx.options.partners, 16, async (index) => {
      await ctx.service.client.expectOk('POST', '/partners', partnerBody(index));
    }),
  );
  await ctx.baseline.client.expectOk('POST', '/__copy', { ...ctx.serviceData, tables: [{ name: 'partners' }], dealIds: [] });
}

export async function partnersList(ctx: BenchContext): Promise<void> {
  await comparePair(ctx, 'GET /partners?limit=50', () => [{ method: 'GET', path: '/partners?limit=50' }], 0.7);
}

export async function seedDeals(ctx: BenchContext): Promise<void> {
  const { deals } = ctx.options;
  const concurrency = 32;
  ctx.log(`seeding ${formatCount(deals)} deals (POST /deals, ${concurrency} in flight)`);
  const latencies = new Float64Array(deals);
  const started = process.hrtime.bigint();
  await timed(ctx, 'POST /deals (seeding)', () =>
    runPool(deals, concurrency, async (index) => {
      latencies[index] = (await ctx.service.client.expectOk('POST', '/deals', dealBody(index))).ms;
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort();
  ctx.rows.push({
    scenario: `POST /deals (seeding, ${concurrency} in flight)`,
    rps: deals / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  });
}

export async function postEvents(ctx: BenchContext): Promise<void> {
  await comparePair(
    ctx,
    'POST /events',
    (who) => {
      const counter = who === 'service' ? ctx.counter : ctx.baselineCounter;
      return [{ method: 'POST', path: '/events', setupRequest: (request) => ({ ...request, body: JSON.stringify(counter.take()) }) }];
    },
    0.5,
    true,
    { writes: true },
  );
}

export async function storedTouchpoints(ctx: BenchContext): Promise<number> {
  return (await ctx.service.client.getJson<{ pagination: { total: number } }>('/events?limit=1')).pagination.total;
}

/**
 * Batches of new touchpoints for as long as a scenario lasts, against the bare batch baseline
 * (parse the body, insert its rows in one transaction). `dealsRecorded` says whether their deals
 * exist yet: when they do, each batch also marks about one deal per touchpoint pending, and the
 * worker recomputes them meanwhile.
 */
export async function batchIngestion(ctx: BenchContext, dealsRecorded: boolean): Promise<void> {
  const { batchSize, batchConnections } = ctx.options;
  const name = `POST /events/batch, deals ${dealsRecorded ? 'recorded' : 'not yet recorded'} (${formatCount(batchSize)} events)`;
  const before = await storedTouchpoints(ctx);
  await comparePair(
    ctx,
    name,
    (who) => {
      const counter = who === 'service' ? ctx.counter : ctx.baselineCounter;
      return [{ method: 'POST', path: '/events/batch', setupRequest: (request) => ({ ...request, body: counter.batchBody(batchSize) }) }];
    },
    0.5,
    true,
    { connections: batchConnections, touchpointsPerRequest: batchSize, writes: true },
  );
  const after = await storedTouchpoints(ctx);
  ctx.notes.push(`${name}: stored touchpoints ${formatCount(before)} → ${formatCount(after)} (warm-up included)`);
}

/** Brings the stored touchpoints up to `--touchpoints` through the batch endpoint. */
export async function topUpTouchpoints(ctx: BenchContext): Promise<void> {
  const { batchSize, batchConnections, touchpoints } = ctx.options;
  const missing = touchpoints - (await storedTouchpoints(ctx));
  if (missing > 0) {
    const batches = Math.ceil(missing / batchSize);
    ctx.log(`seeding ${formatCount(missing)} more touchpoints (${formatCount(batches)} batches)`);
    const latencies = new Float64Array(batches);
    const started = process.hrtime.bigint();
    await timed(ctx, 'POST /events/batch (seeding)', () =>
      runPool(batches, batchConnections, async (index) => {
        const size = Math.min(batchSize, missing - index * batchSize);
        latencies[index] = (await ctx.service.client.expectOk('POST', '/events/batch', ctx.counter.batchBody(size))).ms;
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort();
    ctx.rows.push({
      scenario: `POST /events/batch, deals not yet recorded (seeding, ${batchConnections} in flight)`,
      rateText: `${formatCount(missing / seconds)} touchpoints/s`,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    });
  }
}

const hasPath = (ctx: BenchContext, pattern: RegExp) => [...ctx.paths].some((path) => pattern.test(path));

export async function attributionReads(ctx: BenchContext): Promise<void> {
  const scenario = 'GET /attribution/:id (stored)';
  if (!hasPath(ctx, /^\/attribution\/\{[^}]+\}$/)) {
    ctx.rows.push({ scenario, unavailable: true, target: '≥ 50 % of baseline' });
    return;
  }
  const ids: string[] = [];
  for (let index = 0; ids.length < ctx.options.attributionDeals && index < ctx.options.deals; index++) {
    if (isWonDeal(index)) ids.push(dealId(index));
  }
  ctx.log(`computing the attribution of ${formatCount(ids.length)} deals once`);
  let shares = 0;
  await runPool(ids.length, 8, async (index) => {
    const body = JSON.parse((await ctx.service.client.expectOk('GET', `/attribution/${ids[index]}`)).body) as { attributions: unknown[] };
    shares += body.attributions.length;
  });
  const sample = await Promise.all(
    ids.slice(0, 20).map(async (id) => (JSON.parse((await ctx.service.client.expectOk('GET', `/attribution/${id}`)).body) as { cached?: boolean }).cached),
  );
  ctx.notes.push(
    `GET /attribution: ${formatCount(ids.length)} won deals, ${(shares / ids.length).toFixed(2)} partners each on average; ` +
      `${sample.filter(Boolean).length}/${sample.length} sampled answers said cached: true before the run`,
  );

  let baselineReady = true;
  try {
    await ctx.baseline.client.expectOk('POST', '/__copy', {
      ...ctx.serviceData,
      tables: [
        { name: 'attribution_results', dealColumn: 'deal_id' },
        { name: 'attribution_shares', dealColumn: 'deal_id' },
      ],
      dealIds: ids,
      attribution: true,
    });
  } catch (error) {
    baselineReady = false;
    ctx.notes.push(`GET /attribution baseline unavailable: ${error instanceof Error ? error.message.slice(0, 300) : String(error)}`);
  }
  const rotating = (suffix: string): autocannon.Request[] => {
    let next = 0;
    return [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/attribution/${ids[next++ % ids.length]}${suffix}` }) }];
  };
  await comparePair(ctx, 'GET /attribution/:id (stored)', () => rotating(''), 0.5, baselineReady);

  ctx.log('GET /attribution/:id?recalculate=true');
  const fresh = await timed(ctx, 'GET /attribution?recalculate=true', () =>
    load(ctx, ctx.service, rotating('?recalculate=true'), ctx.options.connections),
  );
  ctx.rows.push({ scenario: `GET /attribution/:id?recalculate=true (${ctx.options.connections} conn.)`, rps: fresh.rps, p50: fresh.p50, p99: fresh.p99 });
  ctx.notes.push(`GET /attribution?recalculate=true: ${describeLoad('service', fresh)}`);
}

/** A period with ragged ends: partial months, so the partner ranking also reads beside its monthly rollup. */
const RAGGED_PERIOD = '/analytics?start_date=2024-02-15&end_date=2024-11-20';

export async function analyticsLatency(ctx: BenchContext, touchpoints: number): Promise<void> {
  const size = `${formatCount(ctx.options.deals)} deals, ${formatCount(touchpoints)} touchpoints`;
  if (!hasPath(ctx, /^\/analytics$/)) {
    ctx.rows.push({ scenario: `GET /analytics (${size})`, unavailable: true, target: '≤ 50 ms' });
    return;
  }
  const client = new JsonClient(ctx.service.url, ctx.headers, 1);
  const runs = ctx.options.analyticsRuns;
  const repeated = async (path: string, count: number, before?: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let run = 0; run < count; run++) {
      await before?.();
      times.push((await client.expectOk('GET', path)).ms);
    }
    return Float64Array.from(times).sort();
  };
  const row = (scenario: string, times: Float64Array) => {
    const p50 = percentile(times, 50);
    ctx.rows.push({
      scenario,
      rateText: `max ${formatMs(times[times.length - 1])}`,
      p50,
      p99: percentile(times, 99),
      target: '≤ 50 ms (p50)',
      met: p50 <= 50,
    });
  };
  try {
    ctx.log('GET /analytics');
    if (ctx.options.quietWait > 0) await waitForQuietMachine(ctx.options.quietWait);
    const cold = await timed(ctx, 'GET /analytics (first call)', async () => (await client.expectOk('GET', '/analytics')).ms);
    ctx.rows.push({ scenario: `GET /analytics, first call (${size})`, p50: cold, target: '≤ 50 ms', met: cold <= 50 });
    row(`GET /analytics, repeated (n=${runs}, sequential)`, await timed(ctx, 'GET /analytics (repeated)', () => repeated('/analytics', runs)));
    row(
      `GET ${RAGGED_PERIOD} (n=${runs})`,
      await timed(ctx, 'GET /analytics (ragged period)', () => repeated(RAGGED_PERIOD, runs)),
    );
    row(
      'GET /analytics, each right after a new touchpoint (n=5)',
      await timed(ctx, 'GET /analytics (after a write)', () =>
        repeated('/analytics', 5, () => client.expectOk('POST', '/events', ctx.counter.take())),
      ),
    );
  } finally {
    client.close();
  }
}

export function peakMemory(ctx: BenchContext): void {
  const service = memoryOf(ctx.service.pid);
  const baseline = memoryOf(ctx.baseline.pid);
  if (!service) {
    ctx.notes.push('Peak RSS: /proc is not readable here');
    return;
  }
  ctx.rows.push({
    scenario: 'Server peak RSS (VmHWM, whole run)',
    rateText: `${formatMb(service.peak)} (now ${formatMb(service.rss)})`,
    target: '≤ 150 MB',
    met: service.peak <= 150 * 1024 * 1024,
  });
  const peaks = new Map<string, number>();
  for (const window of ctx.windows) {
    const peak = ctx.memory.peakBetween(window.startUs, window.endUs);
    if (peak !== undefined) peaks.set(window.name, Math.max(peak, peaks.get(window.name) ?? 0));
  }
  const phases = [...peaks].map(([name, peak]) => `${name} ${formatMb(peak)}`);
  ctx.notes.push(`Server RSS, largest sample in each phase: ${phases.join('; ')}`);
  if (baseline) ctx.notes.push(`Baseline peak RSS ${formatMb(baseline.peak)} (it runs under tsx, which adds to it)`);
}
