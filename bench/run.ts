/**
 * `npm run bench [-- --quick] [-- --db postgres]`: builds and starts the service on a fresh
 * database beside a bare baseline (bench/baseline-server.ts), loads both with autocannon and
 * prints a Markdown table. See docs/benchmark.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { parse as parseDotenv } from 'dotenv';
import { TouchpointCounter } from './dataset.js';
import { JsonClient } from './http-client.js';
import { parseBenchOptions, type BenchOptions } from './options.js';
import { benchPayouts } from './payouts.js';
import { createThrowawayDatabase, describePostgres, vacuumAnalyze } from './postgres.js';
import { Cleanup, freePort, memoryOf, MemorySampler, startChild, takeMachineLock, waitUntilReady, type Child } from './processes.js';
import { summariseProfile, type CpuProfile } from './profile-summary.js';
import { formatCount, formatMb, renderReport, type Report } from './report.js';
import { fitModels } from './fit-scenario.js';
import * as scenarios from './scenarios.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** Only what a process needs to run: nothing from this shell (a DATABASE_URL, say) leaks into the children. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8' };
  return { ...env, ...extra };
}

async function startService(cleanup: Cleanup, options: BenchOptions, workDir: string, databaseUrl: string | undefined) {
  const port = await freePort();
  const nodeArgs = [
    ...options.nodeFlags,
    ...(options.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(workDir, 'profile')}`, '--cpu-prof-interval=250'] : []),
  ];
  const child = startChild(cleanup, 'service', process.execPath, [...nodeArgs, join(ROOT, 'dist/server.js')], {
    cwd: workDir,
    env: childEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '1000000000',
      DB_PATH: join(workDir, 'service.db'),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${url}/health`);
  const key = parseDotenv(readFileSync(join(workDir, '.env.local'))).API_KEY;
  if (!key) throw new Error(`the service wrote no API_KEY to ${workDir}/.env.local`);
  return { child, url, key };
}

async function startBaseline(cleanup: Cleanup, workDir: string, databaseUrl: string | undefined) {
  const port = await freePort();
  const child = startChild(cleanup, 'baseline', process.execPath, ['--import', 'tsx', join(ROOT, 'bench/baseline-server.ts')], {
    cwd: ROOT,
    env: childEnv({
      BASELINE_PORT: String(port),
      ...(databaseUrl ? { BASELINE_DATABASE_URL: databaseUrl } : { BASELINE_DB_PATH: join(workDir, 'baseline.db') }),
    }),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, `${url}/health`);
  return { child, url };
}

function gitFacts(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return `commit ${commit}${dirty ? ` + uncommitted changes in src/ (${dirty.split('\n').length} files)` : ''}`;
  } catch {
    return 'commit unknown';
  }
}

async function engineFacts(options: BenchOptions, baseline: JsonClient): Promise<string> {
  if (options.db === 'postgres') return `PostgreSQL (${await describePostgres(options.databaseUrl)}), pool of 10 for service and baseline`;
  const memory = new SQLite(':memory:');
  const { version } = memory.prepare('select sqlite_version() as version').get() as { version: string };
  memory.close();
  const { pragmas } = await baseline.getJson<{ pragmas: string[] }>('/health');
  return `SQLite ${version} (better-sqlite3) on ${tmpdir()}; the service's pragmas, also set by the baseline: ${pragmas.join(', ')}`;
}

async function analyseAfterImport(ctx: scenarios.BenchContext, databaseUrls: string[]): Promise<void> {
  const started = Date.now();
  log('vacuum analyze of the service and baseline databases after the import');
  await Promise.all(databaseUrls.map((url) => vacuumAnalyze(url)));
  ctx.notes.push(
    `After the import, \`vacuum analyze\` ran on both databases (${((Date.now() - started) / 1000).toFixed(1)} s), as autovacuum would on a default server; nothing ran it again during the run`,
  );
}

async function benchmark(options: BenchOptions, cleanup: Cleanup): Promise<void> {
  await takeMachineLock(cleanup, log);
  if (options.build) {
    log('npm run build');
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const workDir = mkdtempSync(join(tmpdir(), 'attribution-bench-'));
  cleanup.removeDirectoryLater(workDir);
  const serviceDatabase = options.db === 'postgres' ? await createThrowawayDatabase(cleanup, options.databaseUrl, 'service') : undefined;
  const baselineDatabase = options.db === 'postgres' ? await createThrowawayDatabase(cleanup, options.databaseUrl, 'baseline') : undefined;

  log(`starting the service and the baseline (${options.db})`);
  const service = await startService(cleanup, options, workDir, serviceDatabase);
  const baseline = await startBaseline(cleanup, workDir, baselineDatabase);
  const headers = { 'x-api-key': service.key, 'content-type': 'application/json' };
  const serviceClient = new JsonClient(service.url, headers);
  const baselineClient = new JsonClient(baseline.url, headers);
  cleanup.add('close HTTP clients', () => {
    serviceClient.close();
    baselineClient.close();
  });
  const openapi = await serviceClient.getJson<{ paths?: Record<string, unknown> }>('/openapi.json');
  const idleRss = memoryOf(service.child.pid)?.rss;
  const memory = new MemorySampler(service.child.pid);
  cleanup.add('stop memory sampling', () => memory.stop());

  const ctx: scenarios.BenchContext = {
    options,
    service: { url: service.url, pid: service.child.pid, client: serviceClient },
    baseline: { url: baseline.url, pid: baseline.child.pid, client: baselineClient },
    serviceData: serviceDatabase ? { databaseUrl: serviceDatabase } : { sqlitePath: join(workDir, 'service.db') },
    headers,
    paths: new Set(Object.keys(openapi.paths ?? {})),
    counter: new TouchpointCounter(options.deals, options.partners),
    baselineCounter: new TouchpointCounter(options.deals, options.partners),
    rows: [],
    notes: [],
    windows: [],
    memory,
    log,
  };

  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  let touchpoints: number;
  try {
    await scenarios.seedPartners(ctx);
    await scenarios.partnersList(ctx);
    // Touchpoints usually come before their deal closes: the first batches find no deal to
    // recompute, creating a deal then computes its result once, and later writes recompute.
    await scenarios.batchIngestion(ctx, false);
    await scenarios.topUpTouchpoints(ctx);
    await scenarios.seedDeals(ctx);
    if (serviceDatabase && baselineDatabase) await analyseAfterImport(ctx, [serviceDatabase, baselineDatabase]);
    await scenarios.postEvents(ctx);
    await scenarios.batchIngestion(ctx, true);
    touchpoints = await scenarios.storedTouchpoints(ctx);
    await scenarios.attributionReads(ctx);
    await scenarios.analyticsLatency(ctx, touchpoints);
    scenarios.peakMemory(ctx);
    await fitModels(ctx);
  } catch (error) {
    // A failed request says what the client saw; the service's own log says why.
    log(`the service's last output (LOG_LEVEL=warn):\n${service.child.output().trim() || '(nothing)'}`);
    throw error;
  }
  if (idleRss !== undefined) ctx.notes.push(`Server RSS after start-up, before any request: ${formatMb(idleRss)}`);

  const cpu = cpus();
  const report: Report = {
    title: `Partner Attribution API benchmark — ${options.db === 'postgres' ? 'PostgreSQL' : 'SQLite'}${options.quick ? ' (quick)' : ''}`,
    setup: [
      `Date ${new Date().toISOString()}; run took ${((Date.now() - started) / 60_000).toFixed(1)} min after start-up`,
      `Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${formatMb(totalmem())} RAM, Linux ${release()}; load average ${loadBefore.toFixed(2)} at the start`,
      `Service ${gitFacts()}, NODE_ENV=production, LOG_LEVEL=warn, rate limit on (max 1e9)${options.nodeFlags.length > 0 ? `, node ${options.nodeFlags.join(' ')}` : ''}`,
      await engineFacts(options, baselineClient),
      `Data: ${formatCount(options.partners)} partners, ${formatCount(options.deals)} deals (80 % won; 70 % role-based, 30 % linear/time-decay/position-based), ${formatCount(touchpoints)} touchpoints (1–3 partners per deal)`,
      `Load: autocannon, ${options.warmup} s warm-up + ${options.duration} s measured per scenario${options.rounds > 1 ? `, service/baseline pairs best of ${options.rounds} alternating rounds` : ''}, on the same ${cpu.length} cores as the server; p50/p99 exact from every 2xx response`,
      'Baseline: node:http + the same driver on the same tables (created by the service\'s migrations), prepared statements, no framework/auth/validation; measured after the service, never at the same time',
    ],
    rows: ctx.rows,
    notes: ctx.notes,
  };
  let markdown = renderReport(report);
  // The payout figures (issue 10) run in process on a database of their own, after the HTTP load.
  const payoutDatabase = options.db === 'postgres' ? await createThrowawayDatabase(cleanup, options.databaseUrl, 'payouts') : undefined;
  const payoutSizes = options.quick ? { deals: 5_000, writes: 200 } : { deals: 20_000, writes: 1_000 };
  markdown += `\n${await benchPayouts({ ...payoutSizes, rounds: 3, databaseUrl: payoutDatabase }, log)}`;

  if (options.profile) markdown += await stopAndSummariseProfile(service.child, workDir, ctx.windows);
  process.stdout.write(`\n${markdown}\n`);
  if (options.save) {
    const directory = join(ROOT, 'bench/results');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `${options.db}-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    writeFileSync(file, markdown);
    log(`written to ${file}`);
  }
}

/** SIGTERM makes the service exit cleanly, which is when V8 writes the profile. */
async function stopAndSummariseProfile(service: Child, workDir: string, windows: scenarios.Window[]): Promise<string> {
  service.process.kill('SIGTERM');
  await service.exited;
  const directory = join(workDir, 'profile');
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  if (!file) return '\n(no CPU profile was written)\n';
  const text = readFileSync(join(directory, file), 'utf8');
  const kept = join(ROOT, 'bench/results', `service-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
  mkdirSync(dirname(kept), { recursive: true });
  writeFileSync(kept, text);
  log(`CPU profile kept in ${kept} (open it in Chrome DevTools or speedscope)`);
  return `\n## CPU profile of the service (sampled every 250 µs; figures above are lower with profiling on)\n\n${summariseProfile(JSON.parse(text) as CpuProfile, windows)}`;
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const cleanup = new Cleanup();
  const abort = (reason: string, code: number) => {
    log(`${reason}: cleaning up`);
    void cleanup.run().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => abort('interrupted', 130));
  process.once('SIGTERM', () => abort('terminated', 143));
  const deadline = setTimeout(() => abort(`gave up after ${options.timeoutMinutes} min (--timeout)`, 1), options.timeoutMinutes * 60_000);
  deadline.unref();
  try {
    await benchmark(options, cleanup);
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  } finally {
    clearTimeout(deadline);
    await cleanup.run();
  }
}

await main();
