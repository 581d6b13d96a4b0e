/**
 * Payout figures (issue 10), in process on a fresh SQLite file (or `--database-url` of a throwaway
 * PostgreSQL database): how long locking a period of N won-and-lost deals takes, and what
 * recording adjustments adds to the write path (a write plus the propagation it causes) when
 * every deal written to is booked into a locked period, against the same writes on deals that
 * are not. Run alone with `npx tsx bench/payouts.ts [--deals 20000] [--database-url postgres://…]`; `npm run
 * bench` runs it after the HTTP scenarios and appends its table.
 */
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createApiKey } from '../src/services/api-keys.js';
import { finishPendingWork } from '../src/services/attribution/pending-work.js';
import { createDatabase, type Db } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { sql } from 'kysely';
import { cpuSecondsOf } from './processes.js';

const PARTNERS = 100;
const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'] as const;
const JANUARY = Date.UTC(2024, 0, 1);
const FEBRUARY = Date.UTC(2024, 1, 1);
const DAY = 86_400_000;

export interface PayoutBenchOptions {
  deals: number;
  writes: number;
  rounds: number;
  databaseUrl?: string | undefined;
}

export async function benchPayouts(options: PayoutBenchOptions, log: (message: string) => void): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'payouts-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_MAX: '1000000000',
    PROPAGATION_WORKER: 'off',
    PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    DB_PATH: join(directory, 'bench.db'),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  });
  const db = createDatabase(config);
  let clock = Date.UTC(2024, 0, 20);
  try {
    await migrateToLatest(db, config.databaseUrl);
    const { key } = await createApiKey(db, { name: 'bench', scopes: ['admin'] }, Date.now());
    const app = await buildApp({ config, db, now: () => clock });
    await app.ready();
    const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
      const res = await app.inject({ method, url, headers: { 'x-api-key': key }, ...(payload === undefined ? {} : { payload: payload as object }) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
      return res;
    };
    const ctx = { db, now: () => clock, defaultModel: config.defaultModel, fits: new FitCache() };
    const cpuClock = options.databaseUrl ? databaseCpuClock(db) : processCpuClock;

    log(`payouts: seeding ${PARTNERS} partners and ${options.deals} deals in January, ${options.deals} in February`);
    for (let p = 0; p < PARTNERS; p++) await call('POST', '/partners', { id: `bp-${p}`, name: `Partner ${p}`, email: `p${p}@bench.example` });
    await seed(call, 'jan', options.deals, JANUARY);
    await seed(call, 'feb', options.deals, FEBRUARY);
    await finishPendingWork(ctx);

    clock = Date.UTC(2024, 1, 1, 1);
    const period = (await call('POST', '/payout-periods', { start_date: '2024-01-01', end_date: '2024-01-31' })).json<{ id: string }>();
    const lockStarted = performance.now();
    await call('POST', `/payout-periods/${period.id}/lock`);
    const lockMs = performance.now() - lockStarted;
    log(`payouts: lock of ${options.deals} deals took ${lockMs.toFixed(0)} ms`);

    // Each round: the same number of touchpoint writes, each drained, on unbooked then on booked deals.
    const figures = { each: { unbooked: [] as Cost[], booked: [] as Cost[] }, batched: { unbooked: [] as Cost[], booked: [] as Cost[] } };
    for (let round = 0; round < options.rounds; round++) {
      for (const mode of ['each', 'batched'] as const) {
        figures[mode].unbooked.push(await writeAndPropagate(call, ctx, cpuClock, 'feb', options, 2 * round + (mode === 'each' ? 0 : 1), mode));
        figures[mode].booked.push(await writeAndPropagate(call, ctx, cpuClock, 'jan', options, 2 * round + (mode === 'each' ? 0 : 1), mode));
      }
    }
    const best = (list: Cost[], key: keyof Cost) => Math.min(...list.map((cost) => cost[key]));
    const perWrite = (list: Cost[]) =>
      `${(best(list, 'cpuMs') / options.writes).toFixed(3)} ms CPU per write (wall ${(best(list, 'wallMs') / options.writes).toFixed(3)} ms)`;
    const signed = (percent: number) => `${percent >= 0 ? '+' : ''}${percent.toFixed(1)} %`;
    const overheadOf = (mode: 'each' | 'batched') => {
      const percent = (best(figures[mode].booked, 'cpuMs') / best(figures[mode].unbooked, 'cpuMs') - 1) * 100;
      const wallPercent = (best(figures[mode].booked, 'wallMs') / best(figures[mode].unbooked, 'wallMs') - 1) * 100;
      return `${percent < 10 ? 'yes' : '**no**'} (${signed(percent)}; wall ${signed(wallPercent)})`;
    };
    const cpuMeaning = options.databaseUrl
      ? "CPU time of this process plus that of the database's server processes serving it (from /proc), best round; wall time beside it"
      : 'CPU time of the process (user + system), best round; wall time beside it';
    const adjustments = (await call('GET', `/payout-adjustments/unassigned?limit=1`)).json<{ pagination: { total: number } }>().pagination.total;
    await app.close();
    return [
      `## Payouts (${options.databaseUrl ? 'PostgreSQL' : 'SQLite'}, in process)`,
      '',
      '| scenario | figure | target | met |',
      '|---|---|---|---|',
      `| lock a period of ${options.deals.toLocaleString('en')} deals (~80 % won, 1–3 partners each) | ${(lockMs / 1000).toFixed(2)} s | < 5 s | ${lockMs < 5000 ? 'yes' : '**no**'} |`,
      `| ${options.writes} POST /events, propagated in one drain (the worker's way under load), deals not booked | ${perWrite(figures.batched.unbooked)} | | |`,
      `| same, deals booked (every write records adjustments) | ${perWrite(figures.batched.booked)} | < +10 % | ${overheadOf('batched')} |`,
      `| ${options.writes} POST /events, each propagated alone (one deal per recomputation), deals not booked | ${perWrite(figures.each.unbooked)} | | |`,
      `| same, deals booked | ${perWrite(figures.each.booked)} | < +10 % | ${overheadOf('each')} |`,
      '',
      `Best of ${options.rounds} alternating rounds; ${adjustments.toLocaleString('en')} adjustments recorded in all. Each write is one POST /events through the whole app (auth, validation, audit entry), and its deal's recomputation (with the adjustment lookup, and on booked deals the adjustments) drained right after; ${cpuMeaning}. The verdict is on CPU time: on a shared machine other jobs' load swamps a few per cent of wall time.`,
      '',
    ].join('\n');
  } finally {
    await db.destroy().catch(() => undefined);
    rmSync(directory, { recursive: true, force: true });
  }
}

type Call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => Promise<unknown>;

async function seed(call: Call, prefix: string, deals: number, monthStart: number): Promise<void> {
  const events: object[] = [];
  const flush = async () => {
    if (events.length > 0) await call('POST', '/events/batch', { events: events.splice(0) });
  };
  for (let d = 0; d < deals; d++) {
    const partners = 1 + (d % 3);
    for (let k = 0; k < partners; k++) {
      events.push({ partner_id: `bp-${(d * 7 + k * 13) % PARTNERS}`, deal_id: `${prefix}-${d}`, touchpoint_type: TYPES[(d + k) % TYPES.length], timestamp: new Date(monthStart + (d % 25) * DAY).toISOString() });
    }
    if (events.length >= 900) await flush();
  }
  await flush();
  for (let d = 0; d < deals; d++) {
    await call('POST', '/deals', { id: `${prefix}-${d}`, amount: 1000 + (d % 997), closed_date: new Date(monthStart + (d % 27) * DAY + 3_600_000).toISOString(), status: d % 5 === 0 ? 'lost' : 'won' });
  }
}

interface Cost {
  cpuMs: number;
  wallMs: number;
}

/** Returns a function that measures CPU milliseconds used from now on. */
type CpuClock = () => Promise<() => Promise<number>>;

const processCpuClock: CpuClock = async () => {
  const started = process.cpuUsage();
  return async () => {
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  };
};

/**
 * On PostgreSQL the statements run in the server's processes, whose CPU this process's own time
 * leaves out: adds the CPU of every backend connected to the benchmark's database (read from
 * /proc, so the server must run on this machine; without it only this process's time counts).
 * A backend that ends within the measurement takes its time with it; the pool keeps its
 * connections while writes keep coming.
 */
function databaseCpuClock(db: Db): CpuClock {
  const backends = async () => {
    const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
    return new Map(rows.map((row) => [row.pid, cpuSecondsOf(row.pid) ?? 0]));
  };
  return async () => {
    const own = await processCpuClock();
    const before = await backends();
    return async () => {
      const ownMs = await own();
      let serverSeconds = 0;
      for (const [pid, seconds] of await backends()) serverSeconds += seconds - (before.get(pid) ?? 0);
      return ownMs + serverSeconds * 1000;
    };
  };
}

async function writeAndPropagate(
  call: Call,
  ctx: Parameters<typeof finishPendingWork>[0],
  cpuClock: CpuClock,
  prefix: string,
  options: PayoutBenchOptions,
  round: number,
  mode: 'each' | 'batched',
): Promise<Cost> {
  // CPU time, not wall time, decides: on a shared machine other jobs' load would swamp a few per cent.
  const cpuSince = await cpuClock();
  const wallStarted = performance.now();
  for (let n = 0; n < options.writes; n++) {
    const deal = (round * options.writes + n) % options.deals;
    await call('POST', '/events', { partner_id: `bp-${(deal + round + 1) % PARTNERS}`, deal_id: `${prefix}-${deal}`, touchpoint_type: 'demo', timestamp: '2024-01-05T00:00:00Z' });
    if (mode === 'each') await finishPendingWork(ctx);
  }
  await finishPendingWork(ctx);
  const wallMs = performance.now() - wallStarted;
  return { cpuMs: await cpuSince(), wallMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, fallback: number) => {
    const index = process.argv.indexOf(`--${name}`);
    return index >= 0 ? Number(process.argv[index + 1]) : fallback;
  };
  // PostgreSQL: pass a throwaway database's URL (every table is created in it).
  const databaseUrl = process.argv.includes('--database-url') ? process.argv[process.argv.indexOf('--database-url') + 1] : undefined;
  const table = await benchPayouts(
    { deals: arg('deals', 20_000), writes: arg('writes', 1000), rounds: arg('rounds', 3), databaseUrl },
    (message) => process.stderr.write(`[bench] ${message}\n`),
  );
  process.stdout.write(`${table}\n`);
}
