import type { FastifyBaseLogger } from 'fastify';
import { ConfigError } from './config.js';
import { classifyDatabaseError, describeDatabaseError } from './storage/availability.js';

// Cannot log in to, or find, the database: the configuration is wrong, and waiting will not fix it.
const CONFIGURATION_ERRORS = new Set(['28P01', '28000', '3D000']);
const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Runs `start` (migrations, first-start key) until it succeeds, retrying while the database is
 * unavailable or refuses writes, with a doubling delay and one log line per failed attempt, for at most `timeoutMs`.
 * A supervisor that starts the service before the database (a reboot, docker compose) then needs
 * no crash loop.
 * @throws ConfigError naming DATABASE_URL when it refuses the login or the database, or still does
 *   not answer at the deadline; any other error at once.
 */
export async function waitForDatabase<T>(
  start: () => Promise<T>,
  { timeoutMs, log, variable }: { timeoutMs: number; log: FastifyBaseLogger; variable: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = FIRST_DELAY_MS; ; attempt++, delay = Math.min(delay * 2, MAX_DELAY_MS)) {
    try {
      return await start();
    } catch (error) {
      const code = String((error as { code?: unknown } | null)?.code ?? '');
      if (CONFIGURATION_ERRORS.has(code)) throw new ConfigError(variable, `does not answer: ${describeDatabaseError(error)}`);
      // Unavailable, or refusing writes for now (a lock held by a backup, a full disk): both may pass.
      if (classifyDatabaseError(error) === undefined) throw error;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ConfigError(variable, `does not answer after ${attempt} attempts in ${Math.round(timeoutMs / 1000)} s: ${describeDatabaseError(error)}`);
      }
      const retryInMs = Math.min(delay, left);
      log.warn({ attempt, retryInMs, cause: describeDatabaseError(error) }, 'database unavailable at start-up; retrying');
      await new Promise((resolve) => setTimeout(resolve, retryInMs));
    }
  }
}
