import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from '../process/server-process.js';
import { missingPrivateServices, startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './private-services.js';
import { sleep, waitFor } from './wait.js';
import { isAcknowledged, WriteLoad, type Outcome } from './write-load.js';

/**
 * Faults injected into a real server process under concurrent writes: its own PostgreSQL stopped,
 * restarted, frozen and its connections killed; its own Redis frozen. Each scenario prints its
 * figures (time to 503, time to recovery, writes acknowledged, lost, duplicated).
 */
const skip = missingPrivateServices();

const CONNECT_TIMEOUT_MS = 2_000;
const QUERY_TIMEOUT_MS = 3_000;
// The client gives a frozen server this much more than statement_timeout (src/storage/drivers.ts).
const CLIENT_MARGIN_MS = 2_000;
const SHUTDOWN_TIMEOUT_MS = 3_000;


describe.skipIf(skip)(`faults on PostgreSQL and Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let postgres: PrivatePostgres;
  let redis: PrivateRedis;
  let server: ServerProcess;
  let env: Record<string, string>;
  let key: string;
  const directories: string[] = [];
  const servers: ServerProcess[] = [];
  const figures: Record<string, unknown>[] = [];

  async function startServer(extra: Record<string, string> = {}, wait = true): Promise<ServerProcess> {
    const directory = mkdtempSync(join(tmpdir(), 'attribution-fault-'));
    directories.push(directory);
    const started = spawnServer(directory, { ...env, ...extra }, await freePort());
    servers.push(started);
    if (wait) await waitForHealthy(started);
    return started;
  }

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { 'x-api-key': key, 'content-type': 'application/json', ...(init.headers ?? {}) },
      signal: AbortSignal.timeout(30_000),
    });

  /** Milliseconds /ready took, and its status. */
  async function probeReady(target = server): Promise<{ status: number; ms: number }> {
    const started = Date.now();
    const res = await fetch(`${target.url}/ready`, { signal: AbortSignal.timeout(30_000) });
    await res.text();
    return { status: res.status, ms: Date.now() - started };
  }

  /** Every acknowledged write is stored once; returns the figures. */
  async function checkStored(load: WriteLoad, prefix: string) {
    const rows = await postgres.query<{ id: string; copies: number }>(
      `select id, count(*)::int as copies from events where id like $1 group by id`,
      [`${prefix}-%`],
    );
    const stored = new Map(rows.map((row) => [row.id, row.copies]));
    const lost = [...load.acknowledged].filter((id) => !stored.has(id));
    const duplicated = rows.filter((row) => row.copies > 1).map((row) => row.id);
    const storedUnacknowledged = rows.filter((row) => !load.acknowledged.has(row.id)).length;
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    return { acknowledged: load.acknowledged.size, lost: lost.length, duplicated: duplicated.length, storedWithout2xx: storedUnacknowledged };
  }

  /** What every non-2xx answer looked like: only 503 problem+json `unavailable` with Retry-After. */
  function checkFailures(load: WriteLoad) {
    const failures = load.outcomes.filter((outcome) => !isAcknowledged(outcome));
    for (const failure of failures) {
      expect(failure, JSON.stringify(failure)).toMatchObject({ status: 503, code: 'unavailable', retryAfter: '5' });
      expect(failure.contentType).toMatch(/application\/problem\+json/);
    }
    return failures.length;
  }

  /** The slowest of `outcomes`, for a failed bound's message: when it was sent (ms after `since`), how long it took and what it got. */
  function slowestOf(outcomes: readonly Outcome[], since: number): string {
    const slowest = [...outcomes].sort((a, b) => b.answeredAt - b.sentAt - (a.answeredAt - a.sentAt))[0];
    return slowest ? `the slowest, ${slowest.id}, sent ${slowest.sentAt - since} ms in, answered ${slowest.status} ${slowest.code ?? ''} after ${slowest.answeredAt - slowest.sentAt} ms` : 'no request';
  }

  /** From `since` to the first 503 answered after it. */
  function firstFailureDelay(load: WriteLoad, since: number): number | undefined {
    const first = load.firstAnswer(since, (outcome) => outcome.status === 503);
    return first ? first.answeredAt - since : undefined;
  }

  function logLines(target = server): { msg?: string; level?: number; err?: unknown; [key: string]: unknown }[] {
    return target
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string });
  }
  const count = (message: string, target = server) => logLines(target).filter((line) => line.msg === message).length;

  beforeAll(async () => {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      RATE_LIMIT_MAX: '1000000000',
      LOG_LEVEL: 'info',
      DATABASE_POOL_SIZE: '5',
      DATABASE_CONNECT_TIMEOUT: `${CONNECT_TIMEOUT_MS}ms`,
      DATABASE_QUERY_TIMEOUT: `${QUERY_TIMEOUT_MS}ms`,
      SHUTDOWN_TIMEOUT: `${SHUTDOWN_TIMEOUT_MS}ms`,
    };
    server = await startServer();
    key = /^\s+(sk_\S+)$/m.exec(server.output())![1]!;
    expect((await api('/partners', { method: 'POST', body: JSON.stringify({ id: 'p-fault', name: 'Fault', email: 'fault@example.com' }) })).status).toBe(201);
  });

  afterAll(async () => {
    for (const started of servers) started.child.kill('SIGKILL');
    await Promise.allSettled([postgres?.destroy(), redis?.destroy()]);
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
    console.log(`fault figures:\n${figures.map((row) => JSON.stringify(row)).join('\n')}`);
  });

  it.each([
    ['stop (fast shutdown)', 'fast', 3_000],
    ['stop (immediate shutdown)', 'immediate', 3_000],
    ['restart', 'fast', 0],
  ] as const)('%s under load: the process lives, answers 503 at once, and recovers by itself', async (scenario, mode, downMs) => {
    const prefix = `stop-${mode}-${downMs}`;
    const load = new WriteLoad(server.url, key, 'p-fault', prefix);
    const outagesBefore = count('database unavailable: requests get 503 until it answers again');
    load.start();
    await waitFor('acknowledged writes', () => load.acknowledged.size >= 20);

    const stopped = Date.now();
    await postgres.stop(mode);
    let timeTo503: number | undefined;
    let ready: { status: number; ms: number } | undefined;
    if (downMs > 0) {
      await waitFor('a 503', () => load.firstAnswer(stopped, (outcome) => outcome.status === 503) !== undefined);
      timeTo503 = firstFailureDelay(load, stopped);
      ready = await probeReady();
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(2_000);
      const read = await api('/partners/p-fault');
      expect(read.status).toBe(503);
      expect(read.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(read.headers.get('retry-after')).toBe('5');
      expect(((await read.json()) as { code: string }).code).toBe('unavailable');
      await sleep(downMs);
      expect(server.child.exitCode).toBeNull();
    }

    const restarting = Date.now();
    await postgres.start();
    const restarted = Date.now();
    const recovery = await waitFor('a write acknowledged again', () => load.firstAnswer(restarted, isAcknowledged) !== undefined);
    await waitFor('/ready 200', async () => (await probeReady()).status === 200);
    await sleep(500);
    await load.stop();

    expect(server.child.exitCode).toBeNull();
    const failed = checkFailures(load);
    const stored = await checkStored(load, prefix);
    // One line per change of state, not one per failed request.
    if (downMs > 0) expect(count('database unavailable: requests get 503 until it answers again') - outagesBefore).toBe(1);
    figures.push({
      scenario,
      timeTo503Ms: timeTo503 ?? firstFailureDelay(load, stopped),
      readyMs: ready?.ms,
      databaseStartMs: restarted - restarting,
      recoveryAfterDatabaseUpMs: recovery,
      answered503: failed,
      ...stored,
    });
  });

  it('keeps TCP keep-alive on every connection to the database', async ({ skip: skipTest }) => {
    expect((await api('/partners/p-fault')).status).toBe(200);
    const established = (): string[] | undefined => {
      const ss = spawnSync('ss', ['-tnoH', 'state', 'established', `dport = :${postgres.port}`], { encoding: 'utf8' });
      return ss.status === 0 ? ss.stdout.trim().split('\n').filter(Boolean) : undefined;
    };
    const localAddress = (line: string): string => line.trim().split(/\s+/)[2] ?? line;
    // A socket with unacknowledged bytes shows its retransmission timer instead of the keep-alive
    // one, so each connection must show keep-alive in at least one sample, not in one given sample.
    const keptAlive = new Set<string>();
    let unproven: string[] = [];
    const deadline = Date.now() + 5_000;
    for (;;) {
      const lines = established();
      if (lines === undefined) return skipTest('no ss (iproute2) to read socket timers');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) if (/timer:\(keepalive/.test(line)) keptAlive.add(localAddress(line));
      unproven = lines.filter((line) => !keptAlive.has(localAddress(line)));
      if (unproven.length === 0 || Date.now() > deadline) break;
      await sleep(50);
    }
    expect(unproven).toEqual([]);
  });

  it('a database that refuses writes (read-only, as a standby after a failover): writes get 503, /ready 503, and it heals', async () => {
    await postgres.query(`alter system set default_transaction_read_only = on`);
    await postgres.query(`select pg_reload_conf()`);
    try {
      await waitFor('/ready 503', async () => (await probeReady()).status === 503, 10_000);
      const write = await api('/partners', { method: 'POST', body: JSON.stringify({ id: 'p-readonly', name: 'RO', email: 'ro@example.com' }) });
      expect(write.status).toBe(503);
      expect(((await write.json()) as { code: string }).code).toBe('unavailable');
      expect((await api('/partners/p-fault')).status).toBe(200);
      await waitFor('the refusal in the log', () => count('database refuses writes: writes get 503 and /ready answers 503') === 1, 5_000);
      const line = logLines().find((entry) => entry.msg === 'database refuses writes: writes get 503 and /ready answers 503');
      expect(line?.cause).toMatch(/^25006/);
    } finally {
      await postgres.query(`alter system reset default_transaction_read_only`);
      await postgres.query(`select pg_reload_conf()`);
    }
    await waitFor('a write accepted', async () => (await api('/partners', { method: 'POST', body: JSON.stringify({ id: 'p-readonly', name: 'RO', email: 'ro@example.com' }) })).status === 201);
    await waitFor('/ready 200', async () => (await probeReady()).status === 200);
  });

  it('a wrong database name stops the start at once, naming DATABASE_URL', async () => {
    const wrong = await startServer({ DATABASE_URL: postgres.url.replace(/\/postgres$/, '/missing'), LOG_LEVEL: 'warn' }, false);
    const started = Date.now();
    const { code } = await wrong.exited;
    expect(code).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    const lines = wrong.output().trim().split('\n');
    expect(lines.at(-1)).toMatch(/^Invalid configuration: DATABASE_URL does not answer: 3D000: database "missing" does not exist/);
    expect(lines.filter((line) => line.includes('retrying'))).toEqual([]);
  });

  it('pg_terminate_backend on every connection under load: the process lives and the pool replaces them', async () => {
    const load = new WriteLoad(server.url, key, 'p-fault', 'terminate');
    load.start();
    await waitFor('acknowledged writes', () => load.acknowledged.size >= 20);
    const killedAt = Date.now();
    let ended = 0;
    for (let round = 0; round < 3; round++) {
      ended += await postgres.terminateClients();
      await sleep(200);
    }
    expect(ended).toBeGreaterThan(0);
    const lastKill = Date.now();
    await waitFor('a write acknowledged after the kills', () => load.firstAnswer(lastKill, isAcknowledged) !== undefined);
    const recovery = load.firstAnswer(lastKill, isAcknowledged)!.answeredAt - lastKill;
    await sleep(1_000);
    await load.stop();
    expect(server.child.exitCode).toBeNull();
    expect((await probeReady()).status).toBe(200);
    const failed = checkFailures(load);
    figures.push({ scenario: 'pg_terminate_backend ×3', connectionsEnded: ended, timeTo503Ms: firstFailureDelay(load, killedAt), recoveryMs: recovery, answered503: failed, ...(await checkStored(load, 'terminate')) });
  });

  it('a frozen database (SIGSTOP): /ready says 503 within 2 s and no request waits longer than the timeouts', async () => {
    const load = new WriteLoad(server.url, key, 'p-fault', 'freeze');
    load.start();
    await waitFor('acknowledged writes', () => load.acknowledged.size >= 20);
    const frozen = Date.now();
    postgres.freeze();
    try {
      await sleep(500);
      const ready = await probeReady();
      expect(ready.status).toBe(503);
      expect(ready.ms).toBeLessThan(2_000);
      await waitFor('a 503', () => load.firstAnswer(frozen, (outcome) => outcome.status === 503) !== undefined);
      await sleep(QUERY_TIMEOUT_MS + CLIENT_MARGIN_MS + 2_000);
      const readyAgain = await probeReady();
      expect(readyAgain.status).toBe(503);
      expect(readyAgain.ms).toBeLessThan(2_000);
      postgres.thaw();
      const thawed = Date.now();
      const recovery = await waitFor('a write acknowledged again', () => load.firstAnswer(thawed, isAcknowledged) !== undefined);
      await sleep(500);
      await load.stop();

      // In flight or sent while frozen: a query on an open connection gives up after the query
      // timeout and its client-side margin, a new connection after the connect timeout.
      const during = load.outcomes.filter((outcome) => outcome.answeredAt >= frozen && outcome.sentAt < thawed);
      const slowest = Math.max(...during.map((outcome) => outcome.answeredAt - outcome.sentAt));
      expect(slowest, slowestOf(during, frozen)).toBeLessThan(QUERY_TIMEOUT_MS + CLIENT_MARGIN_MS + 1_000);
      const newConnections = during.filter((outcome) => outcome.sentAt > frozen + QUERY_TIMEOUT_MS + CLIENT_MARGIN_MS);
      const slowestNew = Math.max(...newConnections.map((outcome) => outcome.answeredAt - outcome.sentAt));
      expect(slowestNew, slowestOf(newConnections, frozen)).toBeLessThan(CONNECT_TIMEOUT_MS + 1_000);
      const timeTo503 = firstFailureDelay(load, frozen);
      expect(server.child.exitCode).toBeNull();
      const failed = checkFailures(load);
      figures.push({ scenario: 'freeze (SIGSTOP)', frozenMs: thawed - frozen, timeTo503Ms: timeTo503, readyMs: [ready.ms, readyAgain.ms], slowestAnswerMs: slowest, slowestOnNewConnectionMs: slowestNew, recoveryMs: recovery, answered503: failed, ...(await checkStored(load, 'freeze')) });
    } finally {
      postgres.thaw();
    }
  });

  it('a frozen Redis is logged once, requests are still served, and its return is logged', async () => {
    const message = 'Redis unavailable: rate limits are not enforced until it answers again';
    const before = count(message);
    redis.freeze();
    const frozen = Date.now();
    let detected: number;
    try {
      detected = await waitFor('the Redis warning', () => count(message) > before, 10_000);
      const timings: number[] = [];
      for (let n = 0; n < 10; n++) {
        const started = Date.now();
        expect((await api('/partners/p-fault')).status).toBe(200);
        timings.push(Date.now() - started);
      }
      // Once noticed, Redis adds no wait: commands fail at once while it reconnects.
      expect(Math.max(...timings)).toBeLessThan(300);
      await sleep(2_000);
      expect(count(message) - before).toBe(1);
      figures.push({ scenario: 'Redis frozen (SIGSTOP)', loggedAfterMs: detected, slowestRequestAfterMs: Math.max(...timings) });
    } finally {
      redis.thaw();
    }
    await waitFor('the Redis recovery line', () => count('Redis answers again: rate limits are enforced') > 0, 15_000);
    expect(Date.now() - frozen).toBeGreaterThan(0);
  });

  it('start-up with a frozen Redis stops with one line naming REDIS_URL, instead of hanging', async () => {
    redis.freeze();
    try {
      const started = Date.now();
      const hung = await startServer({ LOG_LEVEL: 'warn' }, false);
      const { code } = await hung.exited;
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(hung.output().trim().split('\n').at(-1)).toMatch(/^Invalid configuration: REDIS_URL does not answer: Command timed out/);
    } finally {
      redis.thaw();
    }
  });

  it('start-up with the database down waits, one line per attempt, and serves once it is up', async () => {
    await postgres.stop('fast');
    const stopped = Date.now();
    const waiting = await startServer({ DATABASE_START_TIMEOUT: '60s' }, false);
    const attemptsOf = () => logLines(waiting).filter((line) => line.msg === 'database unavailable at start-up; retrying');
    // 250 ms, then doubling: the third attempt fails about 1.75 s after the first.
    await waitFor('three attempts', () => attemptsOf().length >= 3);
    expect(waiting.child.exitCode).toBeNull();
    const attempts = attemptsOf();
    expect(attempts[0]).toMatchObject({ attempt: 1, cause: expect.stringMatching(/ECONNREFUSED/) });
    await postgres.start();
    const up = Date.now();
    await waitForHealthy(waiting);
    figures.push({ scenario: 'start with the database down', attemptsWhileDown: attempts.length, downMs: up - stopped, servingAfterMs: Date.now() - up });
    // The first server came back too.
    await waitFor('/ready 200 on the first server', async () => (await probeReady()).status === 200);
    waiting.child.kill('SIGTERM');
    expect((await waiting.exited).code).toBe(0);
  });

  it('start-up gives up after DATABASE_START_TIMEOUT with one line naming DATABASE_URL', async () => {
    const refused = await startServer({ DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, DATABASE_START_TIMEOUT: '1s', LOG_LEVEL: 'warn' }, false);
    const { code } = await refused.exited;
    expect(code).toBe(1);
    const last = refused.output().trim().split('\n').at(-1)!;
    expect(last).toMatch(/^Invalid configuration: DATABASE_URL does not answer after \d+ attempts in 1 s: .*ECONNREFUSED/);
  });

  it('SIGTERM while the database is frozen: exits after SHUTDOWN_TIMEOUT and names what it abandoned', async () => {
    postgres.freeze();
    try {
      const hanging = api('/partners', { method: 'POST', body: JSON.stringify({ id: 'p-hang', name: 'Hang', email: 'hang@example.com' }) }).catch(() => undefined);
      await sleep(300);
      const signalled = Date.now();
      server.child.kill('SIGTERM');
      const { code } = await server.exited;
      const tookMs = Date.now() - signalled;
      await hanging;
      // The query timeout (3 s + 2 s on the client) is longer than the shutdown deadline.
      expect(code).toBe(1);
      expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_500);
      const line = logLines().find((entry) => typeof entry.msg === 'string' && entry.msg.includes('SHUTDOWN_TIMEOUT'));
      expect(line?.abandoned).toEqual([expect.stringMatching(/^POST \/partners /)]);
      figures.push({ scenario: 'SIGTERM during a freeze', exitCode: code, exitedAfterMs: tookMs });
    } finally {
      postgres.thaw();
    }
  });

  it('logged no stack and no unhandled error through all of it', () => {
    for (const started of servers) {
      const lines = logLines(started);
      expect(lines.filter((line) => line.err !== undefined)).toEqual([]);
      expect(started.output()).not.toMatch(/unhandled|Connection terminated unexpectedly\n\s+at /i);
    }
  });
});
