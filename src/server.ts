import { Redis } from 'ioredis';
import { buildApp } from './app.js';
import { ensureAdminKey, ensurePayoutEncryptionKey, loadConfigFrom } from './bootstrap.js';
import { ConfigError } from './config.js';
import { createDatabase } from './storage/db.js';
import { migrateToLatest } from './storage/migrate.js';

async function main(): Promise<void> {
  const directory = process.cwd();
  const config = ensurePayoutEncryptionKey(loadConfigFrom(directory), directory);
  const db = createDatabase(config);
  await migrateToLatest(db, config.databaseUrl);
  await ensureAdminKey(db, directory, Date.now());
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const app = await buildApp({ config, db, redis });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    try {
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

main().catch((error: unknown) => {
  // One line that names the problem; a stack only for the unexpected.
  if (error instanceof ConfigError) console.error(error.message);
  else console.error('Failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
