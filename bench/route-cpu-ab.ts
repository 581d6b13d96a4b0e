// CPU per request of two builds of the service, A/B on a shared machine: both run at once on
// SQLite files of their own, seeded alike (20 partners, then 1,980 with payout details as the
// bench makes them, 200 deals with stored results), and
// short autocannon bursts (50 connections) alternate between them, so both meet the same load.
// Prints each side's server CPU (user + system, from /proc) per answered request over the
// bursts (min, p25, median) for a stored GET /attribution, for POST /events and for
// GET /partners?limit=50 (over the bench's 2,000 partners with payout details).
// A build other than dist/: copy dist/ to a sibling directory (say dist-before/) first.
// usage: npx tsx bench/route-cpu-ab.ts <distA> <distB> [bursts=10] [burstSeconds=1] [routes=get,post,partners]
// AB_DEALS=<n> (default 200) seeds n deals instead: the POST bursts go round-robin over them, so with
// 200 every deal gathers hundreds of touchpoints and the worker's recomputations cost far more
// than at the full bench's ~5 per deal (4,000 keeps it near that).
// With CPU_PROF_DIR=<dir>, each server also writes a V8 CPU profile of its whole life into <dir>
// (`node --cpu-prof`; the profiler's cost is in that run's figures): summarise one with
// `npx tsx bench/profile-summary.ts <file.cpuprofile> <seconds of bursts and warm-ups at the end>`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { partnerBody } from './dataset.js';

const [a, b] = [resolve(process.argv[2]!), resolve(process.argv[3]!)];
const bursts = Number(process.argv[4] ?? 10);
const seconds = Number(process.argv[5] ?? 1);
const chosen = (process.argv[6] ?? 'get,post,partners').split(',');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEALS = Number(process.env.AB_DEALS ?? 200);
const PARTNERS = 2000;

interface Server { name: string; child: ChildProcess; url: string; headers: Record<string, string>; work: string }
async function start(dist: string): Promise<Server> {
  const work = mkdtempSync(join(tmpdir(), 'sqlite-cpu-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const profile = process.env.CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.CPU_PROF_DIR)}`] : [];
  const child = spawn(process.execPath, ['--max-semi-space-size=2', '--heap-growing-percent=50', ...profile, join(dist, 'server.js')], {
    cwd: work,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '1000000000', DB_PATH: join(work, 'service.db') },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/health`).then((res) => res.ok, () => false);
    if (ready) break;
    if (i > 600) throw new Error('no start');
    await sleep(100);
  }
  const key = /API_KEY=(\S+)/.exec(readFileSync(join(work, '.env.local'), 'utf8'))![1]!;
  const headers = { 'x-api-key': key, 'content-type': 'application/json' };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  for (let p = 0; p < 20; p++) await call('POST', '/partners', { id: `p-${p}`, name: `Partner ${p}`, email: `p${p}@x.example` });
  for (let p = 20; p < PARTNERS; p++) await call('POST', '/partners', partnerBody(p));
  const events = [];
  for (let d = 0; d < DEALS; d++) for (let t = 0; t < 5; t++) events.push({ id: `e-${d}-${t}`, partner_id: `p-${(d + t * 7) % 20}`, deal_id: `d-${d}`, touchpoint_type: ['referral', 'demo', 'intro', 'support', 'closer'][t], timestamp: new Date(Date.UTC(2024, 0, 1) + t * 86400000).toISOString() });
  for (let i = 0; i < events.length; i += 1000) await call('POST', '/events/batch', { events: events.slice(i, i + 1000) });
  for (let d = 0; d < DEALS; d++) await call('POST', '/deals', { id: `d-${d}`, amount: 1000 + d, closed_date: '2024-06-01T00:00:00.000Z', status: 'won' });
  for (let d = 0; d < DEALS; d++) await call('GET', `/attribution/d-${d}`);
  return { name: dist.split('/').slice(-2).join('/'), child, url, headers, work };
}
const cpu = (s: Server) => {
  const f = readFileSync(`/proc/${s.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000;
};
let ev = 0;
let next = 0;
const routes: Record<string, () => autocannon.Request[]> = {
  get: () => [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `/attribution/d-${next++ % DEALS}` }) }],
  partners: () => [{ method: 'GET', path: '/partners?limit=50' }],
  post: () => [{ method: 'POST', path: '/events', setupRequest: (r) => { const i = ev++; return { ...r, body: JSON.stringify({ id: `n-${i}`, partner_id: `p-${i % 20}`, deal_id: `d-${i % DEALS}`, touchpoint_type: 'demo', timestamp: '2024-03-01T00:00:00.000Z' }) }; } }],
};
async function burst(s: Server, route: string, duration: number) {
  const c0 = cpu(s);
  const result = await autocannon({ url: s.url, connections: 50, duration, headers: s.headers, requests: routes[route]!() });
  await sleep(200); // the worker's recomputations after the burst count too (POST)
  if (result.non2xx || result.errors) console.log(`${s.name} ${route}: non2xx ${result.non2xx} errors ${result.errors}`);
  return { us: (cpu(s) - c0) / result['2xx'], rps: result['2xx'] / duration };
}
const servers = [await start(a), await start(b)];
const stats = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!; return `min ${s[0]!.toFixed(0)} p25 ${q(0.25).toFixed(0)} median ${q(0.5).toFixed(0)}`; };
for (const route of chosen) {
  for (const s of servers) await burst(s, route, 2); // warm-up
  const per: Record<string, number[]> = {};
  const rps: Record<string, number[]> = {};
  for (let i = 0; i < bursts; i++) {
    const order = i % 2 ? [...servers].reverse() : servers;
    for (const s of order) {
      const r = await burst(s, route, seconds);
      (per[s.name] ??= []).push(r.us);
      (rps[s.name] ??= []).push(r.rps);
    }
  }
  for (const s of servers) console.log(`${route} ${s.name}: µs CPU/request ${stats(per[s.name]!)}; req/s ${stats(rps[s.name]!.map((x) => -x)).replace(/-/g, '')} (best first)`);
}
for (const s of servers) s.child.kill('SIGTERM');
await Promise.all(servers.map((s) => new Promise((done) => (s.child.exitCode === null ? s.child.once('exit', done) : done(undefined)))));
for (const s of servers) rmSync(s.work, { recursive: true, force: true });
process.exit(0);
