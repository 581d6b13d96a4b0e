import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { sendProblem } from './errors.js';

/** Paths whose answers a browser renders as pages: Swagger UI at /docs and the dashboard. */
const PAGE_PATH = /^\/(?:docs|dashboard)(?:[/?#]|$)/;

const CORS_METHODS = 'GET, POST, PATCH, DELETE';
const CORS_ALLOWED_HEADERS = 'content-type, x-api-key, authorization, x-request-id';
const CORS_EXPOSED_HEADERS = 'ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after, x-request-id';

/**
 * Security headers and CORS, set by one hook from objects built at start-up (docs/decisions.md,
 * "Security headers"). Pages (/docs, /dashboard) get all of helmet's headers, with the relaxed
 * CSP Swagger UI needs; JSON and the other API answers only those that matter for a resource no
 * browser renders: HSTS, `nosniff` and a CSP that forbids everything, framing included.
 * @fastify/helmet rebuilt helmet on every request and @fastify/cors built its options and read
 * the route's options twice on every request (together about 13 µs of a stored
 * GET /attribution's 90, docs/benchmark-history.md); the CORS rules here are the ones it applied.
 */
export const securityPlugin = fp(
  async (app, options: { corsOrigin: string }) => {
    const pageHeaders = headersSetBy(
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
    const apiHeaders: Record<string, string> = {
      'strict-transport-security': pageHeaders['strict-transport-security']!,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    };

    const origins = options.corsOrigin.split(',').map((origin) => origin.trim());
    const anyOrigin = origins.includes('*');
    const pageCors = corsHeadersFor(pageHeaders, anyOrigin);
    const apiCors = corsHeadersFor(apiHeaders, anyOrigin);

    app.addHook('onRequest', (request, reply, done) => {
      reply.headers(PAGE_PATH.test(request.url) ? pageCors : apiCors);
      if (!anyOrigin) allowListedOrigin(request, reply, origins);
      if (request.method === 'OPTIONS') return answerPreflight(request, reply);
      done();
    });
    // Lets a preflight to any path reach the hook above, which answers it.
    app.options('*', { schema: { hide: true } }, (_request, reply) => reply.callNotFound());
  },
  { name: 'security', dependencies: ['errors'] },
);

/** The security headers plus the CORS headers every answer carries. */
function corsHeadersFor(security: Record<string, string>, anyOrigin: boolean): Record<string, string> {
  return {
    ...security,
    ...(anyOrigin ? { 'access-control-allow-origin': '*' } : { vary: 'Origin' }),
    'access-control-expose-headers': CORS_EXPOSED_HEADERS,
  };
}

/** With a list of origins, the request's own origin is allowed back when it is on the list. */
function allowListedOrigin(request: FastifyRequest, reply: FastifyReply, origins: readonly string[]): void {
  const origin = request.headers.origin;
  if (origin !== undefined && origins.includes(origin)) reply.header('access-control-allow-origin', origin);
}

/** A preflight is answered here, before the key and the rate limit: browsers send it without either. */
function answerPreflight(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.headers.origin || !request.headers['access-control-request-method']) {
    sendProblem(reply, 'validation_failed', 'Invalid Preflight Request');
    return;
  }
  reply
    .headers({ 'access-control-allow-methods': CORS_METHODS, 'access-control-allow-headers': CORS_ALLOWED_HEADERS })
    .code(204)
    .header('content-length', '0')
    .send();
}

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
