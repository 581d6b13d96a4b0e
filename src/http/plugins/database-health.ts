import fp from 'fastify-plugin';
import { describeDatabaseError, monitorOf } from '../../storage/availability.js';
import type { Db } from '../../storage/db.js';

/**
 * Logs what the database monitor sees, once per change of state, plus a summary at most every
 * 30 s while an outage lasts: an outage must not write a stack per request. Requests meanwhile
 * get 503 `unavailable` from the error handler.
 */
export const databaseHealthPlugin = fp(
  async (app, { db }: { db: Db }) => {
    const log = app.log.child({ component: 'database' });
    let unsubscribe: (() => void) | undefined;
    // From the moment it serves: server.ts reports start-up attempts itself.
    app.addHook('onReady', async () => {
      unsubscribe = monitorOf(db).subscribe({
        unavailable: (error) =>
          log.error({ cause: describeDatabaseError(error) }, 'database unavailable: requests get 503 until it answers again'),
        'still-unavailable': (failures, sinceMs) => log.warn({ failures, downForMs: sinceMs }, 'database still unavailable'),
        available: (outageMs, failures) => log.info({ outageMs, failures }, 'database answers again'),
        'writes-refused': (error) =>
          log.error({ cause: describeDatabaseError(error) }, 'database refuses writes: writes get 503 and /ready answers 503'),
        'writes-accepted': () => log.info('database accepts writes again'),
      });
    });
    app.addHook('onClose', async () => unsubscribe?.());
  },
  { name: 'database-health' },
);
