import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * Security headers and CORS. The docs page needs inline scripts and styles, hence the relaxed CSP there.
 * Helmet's middleware is built once: @fastify/helmet rebuilt it (parsing the CSP) on every request,
 * 6 % of a stored GET /attribution's CPU (docs/benchmark.md).
 */
export const securityPlugin = fp(
  async (app, options: { corsOrigin: string }) => {
    const setSecurityHeaders = helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          // Served over plain HTTP on localhost too; upgrading would break the docs and dashboard there.
          upgradeInsecureRequests: null,
        },
      },
    });
    // Sets the headers on the raw response synchronously, then calls `done` (it throws on error).
    app.addHook('onRequest', (request, reply, done) => setSecurityHeaders(request.raw, reply.raw, done as () => void));
    const origins = options.corsOrigin.split(',').map((origin) => origin.trim());
    await app.register(cors, {
      origin: origins.length === 1 && origins[0] === '*' ? '*' : origins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'x-request-id'],
      exposedHeaders: ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'x-request-id'],
    });
  },
  { name: 'security' },
);
