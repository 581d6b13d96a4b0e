import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

/** Security headers and CORS. The docs page needs inline scripts and styles, hence the relaxed CSP there. */
export const securityPlugin = fp(
  async (app, options: { corsOrigin: string }) => {
    await app.register(helmet, {
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
