import { HOW_TO_RUN_EVERYTHING, TEST_DATABASE_URL, TEST_REDIS_URL } from './environment.js';
import { dropStaleTestSchemas } from './database.js';
import { checkPostgres, checkRedis } from './services.js';

/**
 * Runs once before the suite: a named service that does not answer stops the run with one clear
 * line (rather than a hundred failed tests), and a missing one is announced once.
 */
export default async function setup(): Promise<void> {
  // Every vitest project runs its global setup; the checks and the message are needed once.
  const done = globalThis as { attributionTestSetup?: Promise<void> };
  done.attributionTestSetup ??= checkEnvironment();
  return done.attributionTestSetup;
}

async function checkEnvironment(): Promise<void> {
  const problems = [
    TEST_DATABASE_URL ? await checkPostgres(TEST_DATABASE_URL) : undefined,
    TEST_REDIS_URL ? await checkRedis(TEST_REDIS_URL) : undefined,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw new Error(`${problems.join('\n')}\n(unset the variable to skip those tests)`);

  if (TEST_DATABASE_URL) await dropStaleTestSchemas(TEST_DATABASE_URL);

  const missing = [TEST_DATABASE_URL ? undefined : 'TEST_DATABASE_URL', TEST_REDIS_URL ? undefined : 'TEST_REDIS_URL'].filter(Boolean);
  if (missing.length > 0) {
    const skipped = TEST_DATABASE_URL ? 'Redis tests' : 'the PostgreSQL run and the PostgreSQL/Redis tests';
    console.log(`\n${missing.join(' and ')} not set: ${skipped} are skipped. Run everything with: ${HOW_TO_RUN_EVERYTHING}\n`);
  }
}
