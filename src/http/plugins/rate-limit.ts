import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { AppError } from '../../errors.js';

export interface RateLimitOptions {
  max: number;
  windowMs: number;
  /** Shares the counters between instances when given. */
  redis?: Redis | undefined;
}

/**
 * Counts per API key, or per IP for requests without a valid key. Runs after the key is
 * identified and before it is authorized, so failed attempts are counted too.
 */
export const rateLimitPlugin = fp(
  async (app, options: RateLimitOptions) => {
    await app.register(rateLimit, {
      global: true,
      max: options.max,
      timeWindow: options.windowMs,
      enableDraftSpec: true,
      ...(options.redis ? { redis: options.redis, nameSpace: 'attribution-rate-limit:' } : {}),
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new AppError('rate_limited', `Rate limit of ${context.max} requests exceeded; retry in ${context.after}`),
    });
  },
  { name: 'rate-limit' },
);
