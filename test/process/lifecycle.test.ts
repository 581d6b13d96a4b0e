import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from './server-process.js';

const directories: string[] = [];
const running: ServerProcess[] = [];
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL');
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

function freshDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'attribution-life-'));
  directories.push(directory);
  return directory;
}

describe('first start', () => {
  it('creates the database, prints an admin key once and writes it to .env.local (0600)', async () => {
    const directory = freshDirectory();
    const server = spawnServer(directory, {}, await freePort());
    running.push(server);
    await waitForHealthy(server);
    const envLocal = join(directory, '.env.local');
    expect(statSync(envLocal).mode & 0o777).toBe(0o600);
    const text = readFileSync(envLocal, 'utf8');
    const key = /API_KEY=(sk_\S+)/.exec(text)![1]!;
    expect(text).toMatch(/PAYOUT_ENCRYPTION_KEY=[0-9a-f]{64}/);
    expect(server.output()).toContain(key);
    expect(statSync(join(directory, 'data', 'attribution.db')).isFile()).toBe(true);
    const res = await fetch(`${server.url}/partners`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);

    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    const again = spawnServer(directory, {}, await freePort());
    running.push(again);
    await waitForHealthy(again);
    expect(again.output()).not.toContain('sk_');
    expect(readFileSync(envLocal, 'utf8')).toBe(text);
    again.child.kill('SIGKILL');
  });
});

describe('SIGTERM', () => {
  it('finishes a request already in flight, then exits 0', async () => {
    const directory = freshDirectory();
    const server = spawnServer(directory, { RATE_LIMIT_MAX: '100000' }, await freePort());
    running.push(server);
    await waitForHealthy(server);
    const key = /API_KEY=(sk_\S+)/.exec(readFileSync(join(directory, '.env.local'), 'utf8'))![1]!;
    const body = JSON.stringify({ id: 'p-slow', name: 'Slow', email: 'slow@example.com' });

    // Headers and half the body now, the rest after SIGTERM: the request is in flight when it comes.
    const request = http.request(`${server.url}/partners`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<number>((resolve, reject) => {
      request.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    request.end(body.slice(10));

    expect(await answered).toBe(201);
    expect((await server.exited).code).toBe(0);

    const restarted = spawnServer(directory, {}, await freePort());
    running.push(restarted);
    await waitForHealthy(restarted);
    const stored = await fetch(`${restarted.url}/partners/p-slow`, { headers: { 'x-api-key': key } });
    expect(stored.status).toBe(200);
    restarted.child.kill('SIGKILL');
  });
});

describe('bad configuration', () => {
  it.each([
    ['PORT', 'abc'],
    ['DEFAULT_MODEL', 'magic'],
    ['DATABASE_URL', 'mysql://nope'],
    ['RATE_LIMIT_WINDOW', 'soon'],
  ])('stops the start with one line naming %s', async (variable, value) => {
    const server = spawnServer(freshDirectory(), { [variable]: value });
    running.push(server);
    const { code } = await server.exited;
    expect(code).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
  });
});
