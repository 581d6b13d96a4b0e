import { monitorOf } from '../storage/availability.js';
import type { Db } from '../storage/db.js';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** A load balancer probes every few seconds and gives up after a few more: answer well inside that. */
export const READY_TIMEOUT_MS = 1_500;

const probesInFlight = new WeakMap<Db, Promise<string | undefined>>();

/**
 * Whether this instance can serve: the database answers within `timeoutMs` and accepts writes.
 * Writes are checked without writing (engine settings, file permissions, free space) and from what
 * real writes met in the last seconds. While the database stalls, later calls share the probe
 * already waiting instead of piling more onto the pool.
 */
export async function checkReadiness(db: Db, timeoutMs = READY_TIMEOUT_MS): Promise<Readiness> {
  const monitor = monitorOf(db);
  let probe = probesInFlight.get(db);
  if (!probe) {
    probe = monitor.probe().finally(() => probesInFlight.delete(db));
    probesInFlight.set(db, probe);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const problem = await Promise.race([probe, timeout]);
    if (problem === 'timeout') return { ready: false, reason: `the database did not answer within ${timeoutMs} ms` };
    if (problem) return { ready: false, reason: problem };
    const refused = monitor.recentWriteFailure();
    if (refused) return { ready: false, reason: `writes fail (${codeOf(refused)}); see the log` };
    return { ready: true };
  } catch (error) {
    // /ready is public: the code, not the message (which can name hosts and addresses).
    return { ready: false, reason: `the database does not answer (${codeOf(error)}); see the log` };
  } finally {
    clearTimeout(timer);
  }
}

const codeOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return code ? String(code) : error instanceof Error ? error.message.slice(0, 60) : 'unknown error';
};
