import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRateLimitRedis } from '../../src/http/plugins/rate-limit.js';
import { createDatabase, type Db } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createTestKey, startInstance, testConfig, type Api, type TestApp } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { TEST_REDIS_URL, type TestDialect } from './environment.js';

/** One of several app instances sharing a database (and Redis), as behind a load balancer. */
export type ClusterInstance = Pick<TestApp, 'app' | 'db' | 'config' | 'logs' | 'as'> & { api: Api };

export interface TestCluster {
  instances: ClusterInstance[];
  database: TestDatabase;
  adminKey: string;
  /** Every instance's Redis keys start with it; unique to this cluster. */
  redisKeyPrefix: string | undefined;
  close: () => Promise<void>;
}

export interface ClusterOptions {
  instances?: number;
  dialect?: TestDialect;
  /** Share rate-limit counters through TEST_REDIS_URL (each instance with its own client). */
  redis?: boolean;
  env?: Record<string, string>;
  /** The clock every instance reads (Date.now when absent). */
  now?: () => number;
}

/**
 * Several apps, each with its own connection pool (and Redis client), on one fresh database.
 * On PostgreSQL they start together: each runs the migrations at the same moment, as instances
 * deploying at once do.
 */
export async function startTestCluster(options: ClusterOptions = {}): Promise<TestCluster> {
  const count = options.instances ?? 2;
  const database = await createTestDatabase(options.dialect);
  const config = testConfig(database, options.env);
  const redisKeyPrefix = options.redis ? `test:${randomUUID()}:` : undefined;
  const dbs: Db[] = [];
  const clients: Redis[] = [];
  const started: { close: () => Promise<void> }[] = [];
  const close = async () => {
    await Promise.allSettled(started.map((instance) => instance.close()));
    await Promise.allSettled(dbs.map((db) => db.destroy()));
    await Promise.allSettled(clients.map((client) => client.quit()));
    if (redisKeyPrefix) await deleteRedisKeys(redisKeyPrefix);
    await database.drop();
  };
  try {
    for (let n = 0; n < count; n++) dbs.push(createDatabase(config));
    if (database.dialect === 'postgres') {
      await Promise.all(dbs.map((db) => migrateToLatest(db, config.databaseUrl)));
    } else {
      // SQLite connections in one process cannot wait for each other's locks (better-sqlite3
      // blocks the event loop while it waits), so here they take turns.
      for (const db of dbs) await migrateToLatest(db, config.databaseUrl);
    }
    const adminKey = await createTestKey(dbs[0]!, ['admin']);
    const instances: ClusterInstance[] = [];
    for (const db of dbs) {
      const redis = redisKeyPrefix ? await connectRedis(redisKeyPrefix) : undefined;
      if (redis) clients.push(redis);
      const instance = await startInstance(config, db, { ...(redis ? { redis } : {}), ...(options.now ? { now: options.now } : {}) });
      started.push(instance);
      instances.push({ ...instance, api: instance.as(adminKey) });
    }
    return { instances, database, adminKey, redisKeyPrefix, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function connectRedis(keyPrefix: string): Promise<Redis> {
  if (!TEST_REDIS_URL) throw new Error('startTestCluster({ redis: true }) needs TEST_REDIS_URL');
  const redis = createRateLimitRedis(TEST_REDIS_URL, { keyPrefix });
  await redis.connect();
  return redis;
}

/** Removes the keys under `prefix` (rate-limit counters expire anyway). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
