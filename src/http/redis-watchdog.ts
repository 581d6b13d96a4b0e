import type { Redis } from 'ioredis';

/** How often a connected Redis is asked to answer a PING. */
const PING_INTERVAL_MS = 1_000;

/**
 * A Redis that hangs (frozen, or a network that drops packets) keeps its connection "ready", and
 * ioredis raises no event: each command just times out. Pings it every second; one that times
 * out calls `onHang` and makes the client reconnect, so that commands fail at once (no offline
 * queue) until Redis answers again and the client emits 'ready'.
 * @returns stops the pings.
 */
export function watchRedisForHangs(redis: Redis, onHang: (error: Error) => void): () => void {
  let pinging = false;
  const timer = setInterval(() => {
    if (pinging || redis.status !== 'ready') return;
    pinging = true;
    redis
      .ping()
      .catch((error: Error) => {
        if (!/timed out/i.test(error.message) || redis.status !== 'ready') return;
        onHang(error);
        redis.disconnect(true);
      })
      .finally(() => (pinging = false));
  }, PING_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
