/**
 * Where a stored GET /attribution's CPU goes beyond the bare work, on SQLite: three servers on
 * files of their own with the same 200 stored results (20 partners, 5 touchpoints a deal, as
 * `bench/route-cpu-ab.ts` seeds them), loaded in turn by short autocannon bursts (50 connections),
 * each burst's server CPU (user + system, from /proc) divided by its answers:
 *
 * - `service`: the built service (`dist/server.js`, the production flags);
 * - `node-http`: the bench's bare baseline (bench/baseline-server.ts), started as the bench starts it;
 * - `fastify-bare`: the same work in Fastify with nothing added (bench/fastify-floor-server.ts).
 *
 * The gap between the last two is the framework's own cost; the rest of the service's is its
 * layers (key, rate limit, headers, logging, metrics, validation, the read's checks, serialising).
 * `SERVICE_PROF=<dir>` writes the service's V8 CPU profile there (`--cpu-prof`).
 * `npm run build && npx tsx bench/get-floor.ts [bursts=8]`.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { productionNodeFlags } from './options.js';
import { Cleanup, cpuSecondsOf, freePort, startChild, waitUntilReady, type Child } from './processes.js';

const bursts = Number(process.argv[2] ?? 8);
const DEALS = 200;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Server {
  name: string;
  child: Child;
  url: string;
  headers: Record<string, string>;
}

async function call(url: string, headers: Record<string, string>, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

const cleanup = new Cleanup();
const work = mkdtempSync(join(tmpdir(), 'get-floor-'));
cleanup.removeDirectoryLater(work);
try {
  const port = await freePort();
  const profile = process.env.SERVICE_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.SERVICE_PROF)}`] : [];
  const env = { PATH: process.env.PATH, HOME: process.env.HOME };
  const child = startChild(cleanup, 'service', process.execPath, [...productionNodeFlags().split(' ').filter(Boolean), ...profile, join(ROOT, 'dist/server.js')], {
    cwd: work,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000000', DB_PATH: join(work, 'service.db') },
  });
  const service: Server = { name: 'service', child, url: `http://127.0.0.1:${port}`, headers: {} };
  await waitUntilReady(child, `${service.url}/health`, 60_000);
  const key = /API_KEY=(\S+)/.exec(readFileSync(join(work, '.env.local'), 'utf8'))![1]!;
  service.headers = { 'x-api-key': key, 'content-type': 'application/json' };
  const api = (method: string, path: string, body?: unknown) => call(service.url, service.headers, method, path, body);
  for (let p = 0; p < 20; p++) await api('POST', '/partners', { id: `p-${p}`, name: `Partner ${p}`, email: `p${p}@x.example` });
  const types = ['referral', 'demo', 'intro', 'support', 'closer'];
  const events = Array.from({ length: DEALS * 5 }, (_, n) => ({
    id: `e-${n}`,
    partner_id: `p-${(Math.floor(n / 5) + (n % 5) * 7) % 20}`,
    deal_id: `d-${Math.floor(n / 5)}`,
    touchpoint_type: types[n % 5],
    timestamp: new Date(Date.UTC(2024, 0, 1) + (n % 5) * 86_400_000).toISOString(),
  }));
  await api('POST', '/events/batch', { events });
  const ids = Array.from({ length: DEALS }, (_, d) => `d-${d}`);
  for (const [d, id] of ids.entries()) await api('POST', '/deals', { id, amount: 1000 + d, closed_date: '2024-06-01T00:00:00.000Z', status: 'won' });
  for (const id of ids) await api('GET', `/attribution/${id}`);

  const servers = [service];
  for (const [name, script] of [['node-http', 'bench/baseline-server.ts'], ['fastify-bare', 'bench/fastify-floor-server.ts']] as const) {
    const barePort = await freePort();
    const bare = startChild(cleanup, name, process.execPath, ['--import', 'tsx', join(ROOT, script)], {
      cwd: ROOT,
      env: { ...env, BASELINE_PORT: String(barePort), BASELINE_DB_PATH: join(work, `${name}.db`) },
    });
    const server: Server = { name, child: bare, url: `http://127.0.0.1:${barePort}`, headers: {} };
    servers.push(server);
    await waitUntilReady(bare, `${server.url}/health`, 60_000);
    const tables = [{ name: 'attribution_results', dealColumn: 'deal_id' }, { name: 'attribution_shares', dealColumn: 'deal_id' }];
    await call(server.url, { 'content-type': 'application/json' }, 'POST', '/__copy', { sqlitePath: join(work, 'service.db'), tables, dealIds: ids, attribution: true });
  }

  const cpuMicroseconds = (server: Server) => (cpuSecondsOf(server.child.pid) ?? NaN) * 1e6;
  let next = 0;
  const burst = async (server: Server, seconds: number) => {
    const before = cpuMicroseconds(server);
    const result = await autocannon({
      url: server.url,
      connections: 50,
      duration: seconds,
      headers: server.headers,
      requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/attribution/${ids[next++ % DEALS]}` }) }],
    });
    if (result.non2xx || result.errors) throw new Error(`${server.name}: ${result.non2xx} answers not 2xx, ${result.errors} errors`);
    return { perRequest: (cpuMicroseconds(server) - before) / result['2xx'], rps: result['2xx'] / seconds };
  };
  for (const server of servers) await burst(server, 2);
  const measured = new Map<string, { perRequest: number[]; rps: number[] }>(servers.map((server) => [server.name, { perRequest: [], rps: [] }]));
  for (let round = 0; round < bursts; round++) {
    for (const server of round % 2 ? [...servers].reverse() : servers) {
      const { perRequest, rps } = await burst(server, 1);
      measured.get(server.name)!.perRequest.push(perRequest);
      measured.get(server.name)!.rps.push(rps);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const [name, { perRequest, rps }] of measured) {
    console.log(
      `${name.padEnd(12)} CPU per request: min ${Math.min(...perRequest).toFixed(0)} µs, median ${median(perRequest).toFixed(0)} µs; ` +
        `req/s: max ${Math.max(...rps).toFixed(0)}, median ${median(rps).toFixed(0)}`,
    );
  }
} finally {
  await cleanup.run();
}
