/**
 * CI's first check: `npx tsx test/helpers/check-services.ts` exits 1 with one line per service
 * named in TEST_DATABASE_URL / TEST_REDIS_URL that does not answer, or that is not named at all.
 */
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './environment.js';
import { checkPostgres, checkRedis, redact } from './services.js';

const problems = [
  TEST_DATABASE_URL ? await checkPostgres(TEST_DATABASE_URL) : 'TEST_DATABASE_URL is not set',
  TEST_REDIS_URL ? await checkRedis(TEST_REDIS_URL) : 'TEST_REDIS_URL is not set',
].filter((problem): problem is string => problem !== undefined);

for (const problem of problems) console.error(`check-services: ${problem}`);
if (problems.length === 0) {
  console.log(`check-services: PostgreSQL at ${redact(TEST_DATABASE_URL!)} and Redis at ${redact(TEST_REDIS_URL!)} answer`);
}
process.exit(problems.length === 0 ? 0 : 1);
