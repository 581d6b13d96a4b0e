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
    const monitor = monitorOf(db);
    const log = app.log.child({ component: 'database' });
    const handlers = {
      unavailable: (error: unknown) =>
        log.error({ cause: describeDatabaseError(error) }, 'database unavailable: requests get 503 until it answers again'),
      'still-unavailable': (failures: number, sinceMs: number) =>
        log.warn({ failures, downForMs: sinceMs }, 'database still unavailable'),
      available: (outageMs: number, failures: number) =>
        log.info({ outageMs, failures }, 'database answers again'),
      'writes-refused': (error: unknown) =>
        log.error({ cause: describeDatabaseError(error) }, 'database refuses writes: writes get 503 and /ready answers 503'),
      'writes-accepted': () => log.info('database accepts writes again'),
    };
    // From the moment it serves: server.ts reports start-up attempts itself.
    app.addHook('onReady', async () => {
      monitor.on('unavailable', handlers.unavailable);
      monitor.on('still-unavailable', handlers['still-unavailable']);
      monitor.on('available', handlers.available);
      monitor.on('writes-refused', handlers['writes-refused']);
      monitor.on('writes-accepted', handlers['writes-accepted']);
    });
    app.addHook('onClose', async () => {
      monitor.off('unavailable', handlers.unavailable);
      monitor.off('still-unavailable', handlers['still-unavailable']);
      monitor.off('available', handlers.available);
      monitor.off('writes-refused', handlers['writes-refused']);
      monitor.off('writes-accepted', handlers['writes-accepted']);
    });
  },
  { name: 'database-health' },
);
