import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from '../process/server-process.js';
import { required } from './private-services.js';
import { sleep, waitFor } from './wait.js';
import { isAcknowledged, WriteLoad } from './write-load.js';

/**
 * SQLite on a disk that fills up, and on a file that cannot be written: the real error is logged
 * (not "cannot rollback"), writes get 503, /ready says so, and the service recovers without a
 * restart once the disk or the file is fixed. Needs root, for a small tmpfs and a read-only bind mount.
 */
const sh = (command: string, ...args: string[]) => spawnSync(command, args, { encoding: 'utf8' });

function missingMounts(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'attribution-mount-probe-'));
  try {
    const mounted = sh('mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe);
    if (mounted.status !== 0) return `cannot mount a tmpfs here: ${mounted.stderr.trim()}`;
    sh('umount', probe);
    return undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const skip = required(missingMounts());

describe.skipIf(skip)(`faults on SQLite${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'attribution-sqlite-fault-'));
  const disk = join(work, 'disk');
  const dbPath = join(disk, 'attribution.db');
  const servers: ServerProcess[] = [];
  const mounts: string[] = [];
  const figures: Record<string, unknown>[] = [];
  let key = '';

  afterAll(async () => {
    for (const server of servers) server.child.kill('SIGKILL');
    await Promise.all(servers.map((server) => server.exited));
    for (const mount of mounts.reverse()) sh('umount', mount);
    rmSync(work, { recursive: true, force: true });
    console.log(`fault figures:\n${figures.map((row) => JSON.stringify(row)).join('\n')}`);
  });

  async function startServer(): Promise<ServerProcess> {
    const server = spawnServer(work, { DB_PATH: dbPath, LOG_LEVEL: 'info', RATE_LIMIT_MAX: '1000000000' }, await freePort());
    servers.push(server);
    await waitForHealthy(server);
    return server;
  }

  const api = (server: ServerProcess, path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { 'x-api-key': key, 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) });

  async function ready(server: ServerProcess): Promise<{ status: number; reason?: string; ms: number }> {
    const started = Date.now();
    const res = await fetch(`${server.url}/ready`, { signal: AbortSignal.timeout(30_000) });
    const body = (await res.json()) as { reason?: string };
    return { status: res.status, reason: body.reason, ms: Date.now() - started };
  }

  const logLines = (server: ServerProcess) =>
    server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string; cause?: string; err?: unknown });

  function storedCopies(prefix: string): Map<string, number> {
    const sqlite = new SQLite(dbPath, { readonly: true });
    try {
      const rows = sqlite.prepare('select id, count(*) as copies from events where id like ? group by id').all(`${prefix}-%`) as { id: string; copies: number }[];
      return new Map(rows.map((row) => [row.id, row.copies]));
    } finally {
      sqlite.close();
    }
  }

  function checkStored(load: WriteLoad, prefix: string) {
    const stored = storedCopies(prefix);
    const lost = [...load.acknowledged].filter((id) => !stored.has(id));
    const duplicated = [...stored].filter(([, copies]) => copies > 1);
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);
    const storedWithout2xx = [...stored.keys()].filter((id) => !load.acknowledged.has(id)).length;
    return { acknowledged: load.acknowledged.size, lost: lost.length, duplicated: duplicated.length, storedWithout2xx };
  }

  it('a full disk: SQLITE_FULL is logged once, writes get 503, /ready says 503, and freeing space recovers it', async () => {
    mkdirSync(disk);
    expect(sh('mount', '-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', disk).status).toBe(0);
    mounts.push(disk);
    const server = await startServer();
    key = /^\s+(sk_\S+)$/m.exec(server.output())![1]!;
    expect((await api(server, '/partners', { method: 'POST', body: JSON.stringify({ id: 'p-disk', name: 'Disk', email: 'disk@example.com' }) })).status).toBe(201);

    const load = new WriteLoad(server.url, key, 'p-disk', 'full', 4);
    load.start();
    await waitFor('acknowledged writes', () => load.acknowledged.size >= 20);
    // Fill every free byte.
    const filler = join(disk, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch {
      // ENOSPC: full
    }
    for (let size = 4096; size >= 1; size = Math.floor(size / 2)) {
      try {
        for (;;) writeSync(fd, chunk.subarray(0, size));
      } catch {
        // the next smaller size
      }
    }
    closeSync(fd);
    const filled = Date.now();

    await waitFor('a 503', () => load.firstAnswer(filled, (outcome) => outcome.status === 503) !== undefined);
    const timeTo503 = load.firstAnswer(filled, (outcome) => outcome.status === 503)!.answeredAt - filled;
    const notReady = await ready(server);
    expect(notReady.status).toBe(503);
    expect(notReady.ms).toBeLessThan(2_000);
    expect(notReady.reason).toMatch(/full|SQLITE_FULL/);
    // Plain reads still work (an aggregate such as a partner's stats would first have to finish pending propagation, a write).
    expect((await api(server, '/partners?limit=1')).status).toBe(200);
    await sleep(1_000);

    unlinkSync(filler);
    const freed = Date.now();
    const recovery = await waitFor('a write acknowledged again', () => load.firstAnswer(freed, isAcknowledged) !== undefined);
    await waitFor('/ready 200', async () => (await ready(server)).status === 200);
    // Logged once writes have gone through for 5 s without a refusal.
    await waitFor('the recovery line', () => logLines(server).some((line) => line.msg === 'database accepts writes again'), 15_000);
    await load.stop();

    expect(server.child.exitCode).toBeNull();
    const failures = load.outcomes.filter((outcome) => !isAcknowledged(outcome));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure).toMatchObject({ status: 503, code: 'unavailable', retryAfter: '5' });
    const lines = logLines(server);
    const refused = lines.filter((line) => line.msg === 'database refuses writes: writes get 503 and /ready answers 503');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.cause).toMatch(/^SQLITE_FULL/);
    expect(lines.filter((line) => line.msg === 'database accepts writes again')).toHaveLength(1);
    expect(server.output()).not.toMatch(/cannot rollback/);
    expect(lines.filter((line) => line.err !== undefined)).toEqual([]);
    figures.push({ scenario: 'SQLite disk full', timeTo503Ms: timeTo503, readyMs: notReady.ms, recoveryAfterFreeingMs: recovery, answered503: failures.length, ...checkStored(load, 'full') });

    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('a read-only database file: /ready says 503 from the start, writes are 503 with SQLITE_READONLY logged, and it heals without a restart', async () => {
    // A read-only bind mount of the file alone: even root cannot write it, and SQLite opens it read-only without a word.
    expect(sh('mount', '--bind', dbPath, dbPath).status).toBe(0);
    mounts.push(dbPath);
    expect(sh('mount', '-o', 'remount,bind,ro', dbPath).status).toBe(0);

    const server = await startServer();
    const notReady = await ready(server);
    expect(notReady.status).toBe(503);
    expect(notReady.reason).toMatch(/not writable \(EROFS\)/);
    expect((await api(server, '/partners?limit=1')).status).toBe(200);
    const write = await api(server, '/partners', { method: 'POST', body: JSON.stringify({ id: 'p-ro', name: 'RO', email: 'ro@example.com' }) });
    expect(write.status).toBe(503);
    expect(write.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const refusedLines = () => logLines(server).filter((line) => line.msg === 'database refuses writes: writes get 503 and /ready answers 503');
    await waitFor('the refusal in the log', () => refusedLines().length > 0, 5_000);
    expect(refusedLines()).toHaveLength(1);
    expect(refusedLines()[0]!.cause).toMatch(/^SQLITE_READONLY/);

    // Writable again (the open file keeps the mount busy, so remount rather than unmount).
    expect(sh('mount', '-o', 'remount,bind,rw', dbPath).status).toBe(0);
    const fixed = Date.now();
    const healed = await waitFor('a write accepted', async () => {
      const res = await api(server, '/partners', { method: 'POST', body: JSON.stringify({ id: 'p-ro', name: 'RO', email: 'ro@example.com' }) });
      return res.status === 201;
    });
    await waitFor('/ready 200', async () => (await ready(server)).status === 200);
    expect(server.child.exitCode).toBeNull();
    figures.push({ scenario: 'SQLite read-only file', readyStatusAtStart: notReady.status, writableAgainAfterMs: healed, readyAfterFixMs: Date.now() - fixed });
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(sh('umount', dbPath).status).toBe(0);
    mounts.pop();
  });
});
