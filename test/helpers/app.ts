import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createApiKey, type Scope } from '../../src/services/api-keys.js';
import { createDatabase, type Db } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';

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

export interface Api {
  get: (url: string) => ReturnType<App['inject']>;
  delete: (url: string) => ReturnType<App['inject']>;
  post: (url: string, body?: unknown) => ReturnType<App['inject']>;
  patch: (url: string, body?: unknown) => ReturnType<App['inject']>;
  inject: (options: InjectOptions) => ReturnType<App['inject']>;
}

/**
 * The real app on a real database of its own (a fresh SQLite file), with an admin key.
 * `env` overrides the configuration as environment variables would.
 */
export async function startTestApp(env: Record<string, string> = {}, options: { now?: () => number } = {}): Promise<TestApp> {
  const directory = mkdtempSync(join(tmpdir(), 'attribution-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DB_PATH: join(directory, 'test.db'),
    LOG_LEVEL: 'info',
    RATE_LIMIT_MAX: '1000000',
    PAYOUT_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ...env,
  });
  const db = createDatabase(config);
  await migrateToLatest(db, config.databaseUrl);
  const createKey = async (scopes: Scope[], partnerId?: string) =>
    (await createApiKey(db, { name: `test ${scopes.join(',')}`, scopes, partnerId }, Date.now())).key;
  const adminKey = await createKey(['admin']);

  let logText = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logText += chunk.toString('utf8')));

  const app = await buildApp({ config, db, logStream, ...(options.now ? { now: options.now } : {}) });
  await app.ready();

  const as = (key: string | undefined): Api => {
    const inject = (opts: InjectOptions) =>
      app.inject({ ...opts, headers: { ...(key ? { 'x-api-key': key } : {}), ...opts.headers } });
    return {
      inject,
      get: (url) => inject({ method: 'GET', url }),
      delete: (url) => inject({ method: 'DELETE', url }),
      post: (url, body) => inject({ method: 'POST', url, ...(body === undefined ? {} : { payload: body as object }) }),
      patch: (url, body) => inject({ method: 'PATCH', url, ...(body === undefined ? {} : { payload: body as object }) }),
    };
  };

  return {
    app,
    db,
    config,
    adminKey,
    logs: () => logText,
    api: as(adminKey),
    as,
    createKey,
    close: async () => {
      await app.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
