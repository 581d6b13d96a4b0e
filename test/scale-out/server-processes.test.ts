import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from '../process/server-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { missingServices, TEST_REDIS_URL } from '../helpers/environment.js';

const skip = missingServices({ postgres: true, redis: true });

const running: ServerProcess[] = [];
const directories: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const server of running) server.child.kill('SIGKILL');
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  await Promise.allSettled(databases.map((database) => database.drop()));
});

/** A machine of its own: a working directory for `.env.local`, nothing shared but the environment. */
async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const directory = mkdtempSync(join(tmpdir(), 'attribution-node-'));
  directories.push(directory);
  const server = spawnServer(directory, env, await freePort());
  running.push(server);
  return server;
}

/** The admin key a first start prints. */
const adminKeyOf = (server: ServerProcess) => /^\s+(sk_\S+)$/m.exec(server.output())?.[1];

describe.skipIf(skip)(`real server processes on PostgreSQL and Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('two started at once on a fresh schema share data and one rate limit, and stop cleanly on SIGTERM', async () => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const env = {
      ...database.env,
      REDIS_URL: TEST_REDIS_URL!,
      PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      RATE_LIMIT_MAX: '4',
      RATE_LIMIT_WINDOW: '1m',
    };
    // Real servers use the production key names (attribution-rate-limit:key:<random key id>),
    // which no other run shares; the counters expire with the one-minute window.
    const [a, b] = await Promise.all([startServer(env), startServer(env)]);
    await Promise.all([waitForHealthy(a), waitForHealthy(b)]);
    expect((await fetch(`${a.url}/ready`)).status).toBe(200);

    // Both may have found no key and made one (the first start writes it to its own .env.local).
    const key = adminKeyOf(a) ?? adminKeyOf(b);
    expect(key).toBeDefined();
    const headers = { 'x-api-key': key!, 'content-type': 'application/json' };
    const created = await fetch(`${a.url}/partners`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: 'p-shared', name: 'Shared', email: 'shared@example.com', payout_details: { iban: 'DE89370400440532013000' } }),
    });
    expect(created.status).toBe(201);
    // Written through one instance, read in clear through the other: one database, one encryption key.
    const details = await fetch(`${b.url}/partners/p-shared/payout-details`, { headers });
    expect(details.status).toBe(200);
    expect(JSON.stringify(await details.json())).toContain('DE89370400440532013000');

    const statuses = [];
    for (const server of [a, b, a]) statuses.push((await fetch(`${server.url}/partners`, { headers })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await fetch(`${b.url}/partners`, { headers });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    const exits = await Promise.all([a.exited, b.exited]);
    expect(exits.map((exit) => exit.code)).toEqual([0, 0]);
    for (const server of [a, b]) expect(server.output()).not.toMatch(/error|unhandled/i);
    // Each machine kept only what it generated itself; the shared key came from the environment.
    for (const directory of directories.slice(-2)) {
      if (existsSync(join(directory, '.env.local'))) expect(readFileSync(join(directory, '.env.local'), 'utf8')).not.toContain('PAYOUT_ENCRYPTION_KEY');
    }
  });

  it.each([
    // The database gets DATABASE_START_TIMEOUT to come up, one JSON line per failed attempt.
    ['DATABASE_URL', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test', DATABASE_START_TIMEOUT: '1s' }],
    ['REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:1' }],
  ])('stops the start with one line naming %s when it does not answer', async (variable, broken) => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const server = await startServer({ ...database.env, PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'), ...broken });
    const { code } = await server.exited;
    expect(code).toBe(1);
    const lines = server.output().trim().split('\n');
    expect(lines.at(-1)).toMatch(new RegExp(`^Invalid configuration: ${variable} does not answer`));
    const attempts = lines.filter((line) => line.includes('database unavailable at start-up; retrying'));
    expect(attempts.length > 0).toBe(variable === 'DATABASE_URL');
  });
});
