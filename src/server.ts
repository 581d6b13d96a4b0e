import type { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { ensureAdminKey, ensurePayoutEncryptionKey, loadConfigFrom } from './bootstrap.js';
import { ConfigError } from './config.js';
import { createRateLimitRedis } from './http/plugins/rate-limit.js';
import { createDatabase } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';

async function main(): Promise<void> {
  const directory = process.cwd();
  const loaded = loadConfigFrom(directory);
  if (loaded.databaseUrl && !loaded.payoutEncryptionKey) {
    // A key generated here lives in this machine's .env.local only; other instances would make their own.
    console.warn('PAYOUT_ENCRYPTION_KEY is not set: generating one in .env.local. Give every instance the same key.');
  }
  const config = ensurePayoutEncryptionKey(loaded, directory);
  const db = createDatabase(config);
  const redis = config.redisUrl ? createRateLimitRedis(config.redisUrl) : undefined;
  try {
    // A wrong REDIS_URL stops the start; an outage later only suspends the limits (fail open).
    if (redis) await connectRedis(redis);
    await migrateToLatest(db, config.databaseUrl).catch((error: unknown) => {
      throw config.databaseUrl && isConnectionError(error)
        ? new ConfigError('DATABASE_URL', `does not answer: ${messageOf(error)}`)
        : error;
    });
    await ensureAdminKey(db, directory, Date.now());
  } catch (error) {
    redis?.disconnect();
    await db.destroy();
    throw error;
  }
  const app = await buildApp({ config, db, redis });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
      // Stops accepting, waits for in-flight requests, then closes the database pool (onClose).
      await app.close();
      await redis?.quit();
      process.exit(0);
    } catch (error) {
      app.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

async function connectRedis(redis: Redis): Promise<void> {
  // connect() only says "Connection is closed"; the first error event says why.
  let cause: Error | undefined;
  const remember = (error: Error) => (cause ??= error);
  redis.on('error', remember);
  try {
    await redis.connect();
  } catch (error) {
    throw new ConfigError('REDIS_URL', `does not answer: ${messageOf(cause ?? error)}`);
  } finally {
    redis.off('error', remember);
  }
}

// Cannot reach, log in to, or find the database: the configuration is wrong, not the code.
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '28P01', '28000', '3D000']);
const isConnectionError = (error: unknown) =>
  error instanceof Error &&
  (CONNECTION_ERRORS.has(String((error as { code?: unknown }).code)) || /timeout exceeded when trying to connect/i.test(error.message));

// Node reports a refused connection to every address of a name (localhost: ::1 and 127.0.0.1) as
// an AggregateError with an empty message.
const messageOf = (error: unknown): string =>
  error instanceof AggregateError && !error.message
    ? error.errors.map(messageOf).join('; ')
    : error instanceof Error
      ? error.message
      : String(error);

main().catch((error: unknown) => {
  // One line that names the problem; a stack only for the unexpected.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
