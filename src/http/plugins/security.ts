import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import fp from 'fastify-plugin';
import helmet from 'helmet';

/**
 * Security headers and CORS. The docs page needs inline scripts and styles, hence the relaxed CSP there.
 * The headers are helmet's, found once at start-up and added to every reply as they are:
 * @fastify/helmet rebuilt helmet (parsing the CSP) on every request, and headers set on the raw
 * response make Node validate every header of the reply again (together 12 % of a stored
 * GET /attribution's CPU, docs/benchmark.md).
 */
export const securityPlugin = fp(
  async (app, options: { corsOrigin: string }) => {
    const securityHeaders = headersSetBy(
      helmet({
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
      }),
    );
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });
    const origins = options.corsOrigin.split(',').map((origin) => origin.trim());
    await app.register(cors, {
      origin: origins.length === 1 && origins[0] === '*' ? '*' : origins,
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['content-type', 'x-api-key', 'authorization', 'x-request-id'],
      // One string: @fastify/cors joins a list again on every request.
      exposedHeaders: ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'x-request-id'].join(', '),
    });
  },
  { name: 'security' },
);

type Middleware = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

/** The headers a middleware sets whatever the request (helmet's, with a static configuration). */
function headersSetBy(middleware: Middleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    if (error) throw error;
  });
  return headers;
}
