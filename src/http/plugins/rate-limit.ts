import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';
import { watchRedisForHangs } from '../redis-watchdog.js';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  /** Shares the counters between instances when given (see createRateLimitRedis). */
  redis?: Redis | undefined;
}

/**
 * Routes no one is limited on, by route path: a path here covers everything below it too.
 * Probes, and the documentation and static assets a browser loads a dozen files of at a time
 * (a few page loads would otherwise spend an office's whole keyless budget). Unknown paths
 * are never exempt: they count against the caller.
 */
export const RATE_LIMIT_EXEMPT_PATHS = ['/health', '/ready', '/openapi.json', '/docs'] as const;

/** Whether the route with this path (its template, as registered) is exempt from rate limits. */
export function isRateLimitExempt(routePath: string | undefined): boolean {
  if (routePath === undefined) return false;
  return RATE_LIMIT_EXEMPT_PATHS.some((path) => routePath === path || routePath.startsWith(`${path}/`));
}

/** Where the counters live in Redis; a client's own `keyPrefix` comes before it. */
export const RATE_LIMIT_NAMESPACE = 'attribution-rate-limit:';

/**
 * Counts per API key, or per IP for requests without a valid key. Runs after the key is
 * identified and before it is authorized, so failed attempts are counted too.
 *
 * With Redis, a Redis that does not answer fails open: the request is served without counting
 * and one warning per outage is logged. The limit exists for fairness between clients, and an
 * outage of a cache must not become an outage of the API (docs/deployment.md).
 */
export const rateLimitPlugin = fp(
  async (app, options: RateLimitOptions) => {
    const { redis } = options;
    await app.register(rateLimit, {
      global: true,
      max: options.max,
      timeWindow: options.windowMs,
      enableDraftSpec: true,
      ...(redis ? { redis, nameSpace: RATE_LIMIT_NAMESPACE, skipOnError: true } : {}),
      allowList: (request) => isRateLimitExempt(request.routeOptions.url),
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', `Rate limit of ${context.max} requests exceeded; retry in ${context.after}`),
    });
    if (!redis) return;

    let available = true;
    const onError = (error: Error) => {
      if (!available) return;
      available = false;
      app.log.warn({ cause: error.message }, 'Redis unavailable: rate limits are not enforced until it answers again');
    };
    const onReady = () => {
      if (available) return;
      available = true;
      app.log.info('Redis answers again: rate limits are enforced');
    };
    redis.on('error', onError);
    redis.on('ready', onReady);
    const stopWatching = watchRedisForHangs(redis, onError);
    app.addHook('onClose', async () => {
      stopWatching();
      redis.off('error', onError);
      redis.off('ready', onReady);
    });
  },
  { name: 'rate-limit' },
);

/**
 * A Redis client for the rate-limit counters that never makes a request wait for Redis:
 * commands fail at once while it is disconnected (and after 500 ms if it hangs, until the
 * watchdog notices within about a second and reconnects), and the plugin then fails open.
 * Call `connect()` before serving; it rejects when Redis does not answer.
 * @example const redis = createRateLimitRedis('redis://127.0.0.1:6379'); await redis.connect();
 */
export function createRateLimitRedis(url: string, options: { keyPrefix?: string } = {}): Redis {
  // Loaded only when configured: an instance without REDIS_URL never pays for ioredis.
  const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
  const redis = new RedisClient(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 5_000,
    ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
  });
  // Connection errors are reported by the plugin (or by connect()); without a listener ioredis
  // would also print each one to stderr.
  redis.on('error', () => undefined);
  return redis;
}
