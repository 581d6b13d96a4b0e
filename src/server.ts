import type { Redis } from 'ioredis';
import { buildApp, type App } from './app.js';
import { ensureAdminKey, ensurePayoutEncryptionKey, loadConfigFrom } from './bootstrap.js';
import { ConfigError } from './config.js';
import { createRateLimitRedis } from './http/plugins/rate-limit.js';
import { createDatabase } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';
import { waitForDatabase } from './wait-for-database.js';

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
  let app: App | undefined;
  try {
    // A wrong REDIS_URL stops the start; an outage later only suspends the limits (fail open).
    if (redis) await connectRedis(redis);
    app = await buildApp({ config, db, redis });
    await waitForDatabase(
      async () => {
        await migrateToLatest(db, config.databaseUrl);
        await ensureAdminKey(db, directory, Date.now());
      },
      { timeoutMs: config.databaseStartTimeoutMs, log: app.log, variable: config.databaseUrl ? 'DATABASE_URL' : 'DB_PATH' },
    );
  } catch (error) {
    redis?.disconnect();
    if (app) await app.close();
    else await db.destroy();
    throw error;
  }
  const server = app;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    server.log.info({ signal, deadlineMs: config.shutdownTimeoutMs }, 'shutting down: finishing in-flight requests');
    // A request stuck on a stalled database must not hold the process (and the deploy) forever.
    const deadline = setTimeout(() => {
      const requests = server.requestsInFlight();
      server.log.error(
        { abandoned: requests.length > 0 ? requests : 'no request: closing the database and Redis connections' },
        `shutdown did not finish within SHUTDOWN_TIMEOUT (${config.shutdownTimeoutMs} ms): exiting anyway`,
      );
      process.exit(1);
    }, config.shutdownTimeoutMs);
    try {
      // Stops accepting, waits for in-flight requests, then closes the database pool (onClose).
      await server.close();
      await redis?.quit();
      clearTimeout(deadline);
      process.exit(0);
    } catch (error) {
      server.log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await server.listen({ port: config.port, host: config.host });
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
