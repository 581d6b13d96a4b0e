import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { buildApp, type App, type AppDependencies } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createApiKey, type Scope } from '../../src/services/api-keys.js';
import { createDatabase, type Db } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: App;
  db: Db;
  config: Config;
  adminKey: string;
  /** Every JSON log line the app wrote. */
  logs: () => string;
  /** Requests with the admin key (or another key via `as`). */
  api: Api;
  as: (key: string | undefined) => Api;
  createKey: (scopes: Scope[], partnerId?: string) => Promise<string>;
  close: () => Promise<void>;
}

type Answer = Promise<LightMyRequestResponse>;

export interface Api {
  get: (url: string) => Answer;
  delete: (url: string) => Answer;
  post: (url: string, body?: unknown) => Answer;
  patch: (url: string, body?: unknown) => Answer;
  inject: (options: InjectOptions) => Answer;
}

/**
 * The real app on a real database of its own, with an admin key: a fresh SQLite file, or, when
 * the suite runs on PostgreSQL (TEST_DIALECT=postgres), a fresh schema dropped again by `close`.
 * `env` overrides the configuration as environment variables would.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { now?: () => number; pendingWork?: AppDependencies['pendingWork']; dashboardDir?: string } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  try {
    const config = testConfig(database, env);
    const db = createDatabase(config);
    await migrateToLatest(db, config.databaseUrl).catch(async (error: unknown) => {
      await db.destroy();
      throw error;
    });
    const adminKey = await createTestKey(db, ['admin']);
    const instance = await startInstance(config, db, options);
    return {
      ...instance,
      adminKey,
      api: instance.as(adminKey),
      createKey: (scopes, partnerId) => createTestKey(db, scopes, partnerId),
      close: async () => {
        try {
          await instance.close();
        } finally {
          await database.drop();
        }
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** The configuration of a test app on `database`; `env` wins. */
export function testConfig(database: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '1000000',
    PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...database.env,
    ...env,
  });
}

export async function createTestKey(db: Db, scopes: Scope[], partnerId?: string): Promise<string> {
  return (await createApiKey(db, { name: `test ${scopes.join(',')}`, scopes, partnerId }, Date.now())).key;
}

/** One app on an already migrated `db`; `close` closes the app and with it `db`. */
export async function startInstance(
  config: Config,
  db: Db,
  options: { now?: () => number; redis?: Redis; pendingWork?: AppDependencies['pendingWork']; dashboardDir?: string } = {},
): Promise<Pick<TestApp, 'app' | 'db' | 'config' | 'logs' | 'as' | 'close'>> {
  let logText = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));
  const { redis, pendingWork, dashboardDir } = options;
  const app = await buildApp({ config, db, logStream, redis, pendingWork, dashboardDir, ...(options.now ? { now: options.now } : {}) }).catch(
    async (error: unknown) => {
      await db.destroy();
      throw error;
    },
  );
  try {
    await app.ready();
  } catch (error) {
    await app.close();
    throw error;
  }
  return { app, db, config, logs: () => logText, as: (key) => apiFor(app, key), close: () => app.close() };
}

/** Requests to `app` with `key` in X-API-Key (none when undefined). */
export function apiFor(app: App, key: string | undefined): Api {
  const inject = (opts: InjectOptions) =>
    app.inject({ ...opts, headers: { ...(key ? { 'x-api-key': key } : {}), ...opts.headers } });
  return {
    inject,
    get: (url) => inject({ method: 'GET', url }),
    delete: (url) => inject({ method: 'DELETE', url }),
    post: (url, body) => inject({ method: 'POST', url, ...(body === undefined ? {} : { payload: body as object }) }),
    patch: (url, body) => inject({ method: 'PATCH', url, ...(body === undefined ? {} : { payload: body as object }) }),
  };
}
