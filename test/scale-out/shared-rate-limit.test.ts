import { randomUUID } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createRateLimitRedis, RATE_LIMIT_NAMESPACE } from '../../src/http/plugins/rate-limit.js';
import { hashApiKey } from '../../src/services/api-keys.js';
import { findActiveApiKeyByHash } from '../../src/storage/api-keys.js';
import { createDatabase } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createTestKey, startInstance, testConfig } from '../helpers/app.js';
import { deleteRedisKeys, startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { createTestDatabase } from '../helpers/database.js';
import { missingServices, TEST_REDIS_URL } from '../helpers/environment.js';

const skip = missingServices({ redis: true });
const LIMIT = { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '1m' };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function cluster(): Promise<TestCluster> {
  const started = await startTestCluster({ instances: 2, redis: true, env: LIMIT });
  cleanups.push(started.close);
  return started;
}

describe.skipIf(skip)(`rate limits shared through Redis${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('gives a key one budget across two instances: 5 requests spread over both pass, the 6th gets 429 on either', async () => {
    const { instances, database } = await cluster();
    const [a, b] = instances;
    const key = await createTestKey(a!.db, ['read']);

    const answers = [];
    for (const instance of [a, b, a, b, a]) answers.push(await instance!.as(key).get('/partners'));
    expect(answers.map((res) => res.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.map((res) => res.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);

    for (const instance of [b, a]) {
      const limited = await instance!.as(key).get('/partners');
      expect(limited.statusCode).toBe(429);
      expect(limited.json().code).toBe('rate_limited');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Another key has its own budget, on both.
    const other = await createTestKey(a!.db, ['read']);
    expect((await b!.as(other).get('/partners')).statusCode).toBe(200);
    expect(database.dialect).toBe(process.env.TEST_DIALECT);
  });

  it('shares the per-IP budget of requests without a valid key too', async () => {
    const { instances } = await cluster();
    const fromIp = (n: number) => instances[n % 2]!.as(undefined).inject({ method: 'GET', url: '/partners', remoteAddress: '10.1.2.3' });
    const codes = [];
    for (let n = 0; n < 6; n++) codes.push((await fromIp(n)).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429]);
  });

  it('keeps the counters under the run\'s own prefix, expiring with the window', async () => {
    const { instances, redisKeyPrefix } = await cluster();
    const key = await createTestKey(instances[0]!.db, ['read']);
    await instances[0]!.as(key).get('/partners');
    const { id } = (await findActiveApiKeyByHash(instances[0]!.db, hashApiKey(key)))!;
    const raw = new Redis(TEST_REDIS_URL!);
    cleanups.push(() => raw.quit());
    const stored = await raw.keys(`${redisKeyPrefix}*`);
    expect(stored).toEqual([`${redisKeyPrefix}${RATE_LIMIT_NAMESPACE}key:${id}`]);
    const ttl = await raw.pttl(stored[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('fails open while Redis is unreachable, says so once, and enforces the limit again when it is back', async () => {
    const proxy = await startProxy(new URL(TEST_REDIS_URL!));
    cleanups.push(() => proxy.stop());
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const config = testConfig(database, { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW: '1m', LOG_LEVEL: 'info' });
    const db = createDatabase(config);
    await migrateToLatest(db, config.databaseUrl);
    const key = await createTestKey(db, ['read']);
    const keyPrefix = `test:${randomUUID()}:`;
    const redis = createRateLimitRedis(`redis://127.0.0.1:${proxy.port}`, { keyPrefix });
    cleanups.push(() => deleteRedisKeys(keyPrefix));
    cleanups.push(async () => redis.disconnect());
    await redis.connect();
    const instance = await startInstance(config, db, { redis });
    cleanups.push(() => instance.close());
    const get = () => instance.as(key).get('/partners');

    expect((await get()).statusCode).toBe(200);
    proxy.cut();
    await waitFor(() => instance.logs().includes('Redis unavailable'));
    const during = [];
    for (let n = 0; n < 4; n++) during.push((await get()).statusCode);
    expect(during).toEqual([200, 200, 200, 200]);
    expect(instance.logs().match(/Redis unavailable/g)).toHaveLength(1);

    await proxy.restore();
    await waitFor(() => instance.logs().includes('Redis answers again'));
    const after = [];
    for (let n = 0; n < 2; n++) after.push((await get()).statusCode);
    // One request counted before the outage, none during it: the second one after is over the limit of 2.
    expect(after).toEqual([200, 429]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A TCP proxy to Redis that can be cut (connections dropped, port closed) and restored on the same port. */
async function startProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const created = createServer((client) => {
        const upstream = new Socket().connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      created.once('error', reject);
      created.listen(port, '127.0.0.1', () => resolve(created));
    });
  server = await listen(0);
  const port = (server.address() as { port: number }).port;
  const close = () => {
    for (const socket of sockets) socket.destroy();
    const closing = server;
    server = undefined;
    return new Promise<void>((resolve) => (closing ? closing.close(() => resolve()) : resolve()));
  };
  return {
    port,
    cut: () => void close(),
    restore: async () => {
      server = await listen(port);
    },
    stop: close,
  };
}
