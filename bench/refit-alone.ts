/**
 * The service's first `GET /attribution-models/markov` after a bulk import, measured alone and
 * repeated: `dist/server.js` with the production node flags, started afresh for each run on the
 * same database (the benchmark's data written straight into the tables, then every deal's result
 * and fit path computed by the service's own recomputation), with the fits deleted and every deal
 * queued as changed before each run, as after seeding through the API. `--unstored`: no result or
 * fit path computed, as after an import around the service (the refit reads every touchpoint).
 * `npx tsx bench/refit-alone.ts [--db postgres] [--runs 3] [--deals 200000] [--touchpoints 1000000] [--partners 2000] [--unstored] [--no-build] [--compare ../other-checkout]`.
 * Build the service first (`npm run build`) or let it; PostgreSQL uses a throw-away database on
 * BENCH_DATABASE_URL, dropped at the end. Its single figure per run is what `npm run bench`'s refit row measures once.
 * `--compare` names another checkout whose `dist/` is built: its service and this one's then take
 * turns, run by run, on the same database, `--runs` each (this machine's speed drifts within
 * minutes, so blocks of runs per build compare the drift as much as the builds).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { rebuildAttributionData } from '../src/services/attribution/rebuild.js';
import { createDatabase, type Db, type DatabaseOptions } from '../src/storage/db.js';
import { productionNodeFlags } from './options.js';
import { vacuumAnalyze } from './postgres.js';
import { Cleanup, cpuSecondsOf, freePort, startChild, waitUntilReady } from './processes.js';
import { markEveryDealChanged, writeRefitDataset } from './refit-dataset.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    runs: { type: 'string' },
    deals: { type: 'string' },
    touchpoints: { type: 'string' },
    partners: { type: 'string' },
    'no-build': { type: 'boolean' },
    compare: { type: 'string' },
    unstored: { type: 'boolean' },
  },
});
const postgres = values.db === 'postgres';
const runs = Number(values.runs ?? 3);
const size = { deals: Number(values.deals ?? 200_000), touchpoints: Number(values.touchpoints ?? 1_000_000), partners: Number(values.partners ?? 2000) };
const root = new URL('..', import.meta.url).pathname;
const builds = values.compare === undefined ? [root] : [root, resolve(values.compare)];
const now = Date.now();

const cleanup = new Cleanup();
process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));
try {
  if (!values['no-build']) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  const directory = mkdtempSync(join(tmpdir(), 'refit-alone-'));
  cleanup.removeDirectoryLater(directory);
  const options = await writeRefitDataset(cleanup, directory, { postgres, ...size, model: 'role-based', closedAt: now });
  if (!values.unstored) await computeEveryResult(options);
  console.log(`data: ${size.deals} deals, ${size.touchpoints} touchpoints, ${size.partners} partners on ${postgres ? 'PostgreSQL' : 'SQLite'}${values.unstored ? ', no result or path stored' : ''}`);

  const figures = new Map(builds.map((build) => [build, { wall: [] as number[], cpu: [] as number[] }]));
  for (let run = 1; run <= runs * builds.length; run++) {
    const build = builds[(run - 1) % builds.length] as string;
    await resetForRefit(options);
    // A fresh directory: the service writes a new admin key to its .env.local (the keys were deleted).
    const workDir = mkdtempSync(join(directory, 'run-'));
    const port = await freePort();
    const child = startChild(cleanup, `service ${run}`, process.execPath, [...productionNodeFlags().split(/\s+/).filter(Boolean), join(build, 'dist/server.js')], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_MAX: '1000000000',
        DB_PATH: options.dbPath,
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      },
    });
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(child, `${url}/health`, 120_000);
    const key = parseDotenv(readFileSync(join(workDir, '.env.local'))).API_KEY;
    const cpuBefore = cpuMsOf(child.pid);
    const started = performance.now();
    const answer = await fetch(`${url}/attribution-models/markov?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    const ms = performance.now() - started;
    const cpuMs = cpuMsOf(child.pid) - cpuBefore;
    if (!answer.ok) throw new Error(`GET /attribution-models/markov answered ${answer.status}: ${await answer.text()}`);
    figures.get(build)?.wall.push(ms);
    figures.get(build)?.cpu.push(cpuMs);
    console.log(`run ${run}${builds.length > 1 ? ` (${build})` : ''}: ${ms.toFixed(0)} ms (service CPU ${cpuMs.toFixed(0)} ms)`);
    child.process.kill('SIGTERM');
    await child.exited;
  }
  for (const [build, { wall, cpu }] of figures) {
    const of = builds.length > 1 ? ` of ${build}` : '';
    console.log(`refit through the service${of}, ${runs} runs: ${spread(wall)}; the service's CPU (all threads): ${spread(cpu)}`);
  }
} finally {
  await cleanup.run();
}

/** The service's CPU time so far, ms: all its threads, less moved than wall time by what else the machine runs. */
function cpuMsOf(pid: number | undefined): number {
  return pid === undefined ? NaN : (cpuSecondsOf(pid) ?? NaN) * 1000;
}

/** min, median and max. */
function spread(figures: readonly number[]): string {
  const sorted = [...figures].sort((a, b) => a - b);
  const at = (i: number) => `${sorted[i]?.toFixed(0)} ms`;
  return `min ${at(0)}, median ${at(Math.floor((sorted.length - 1) / 2))}, max ${at(sorted.length - 1)}`;
}

/** Every deal's result and fit path, as the service's drain computes them after seeding through the API. */
async function computeEveryResult(options: DatabaseOptions): Promise<void> {
  const db: Db = createDatabase({ ...options, databaseQueryTimeoutMs: 600_000 });
  try {
    await rebuildAttributionData({ db, now: () => now, defaultModel: 'role-based', fits: new FitCache() });
  } finally {
    await db.destroy();
  }
}

/** No fits, no API keys (the next start makes its own), every deal queued as changed for the fits; PostgreSQL vacuumed (autovacuum is off here). */
async function resetForRefit(options: DatabaseOptions): Promise<void> {
  const db: Db = createDatabase(options);
  try {
    await db.deleteFrom('attribution_fits').execute();
    await db.deleteFrom('api_keys').execute();
    await markEveryDealChanged(db, now);
  } finally {
    await db.destroy();
  }
  if (options.databaseUrl) await vacuumAnalyze(options.databaseUrl);
}
