import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AppError } from '../../errors.js';
import { authenticateApiKey, hasScope, type Principal, type Scope } from '../../services/api-keys.js';
import type { Db } from '../../storage/db.js';

/**
 * What a route needs, declared in its `config.auth`:
 * - `'public'`: anyone;
 * - `{ scope }`: a key with that scope; a partner-bound key is answered 404, as if nothing were there;
 * - `{ scope, partnerBound: true }`: partner-bound keys too; the handler limits them to their partner.
 */
export type RouteAuth = 'public' | { scope: Scope; partnerBound?: boolean };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    /** The authenticated key, or null (no key, or an unknown or revoked one). */
    principal: Principal | null;
    presentedKey: boolean;
  }
}

function presentedKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header.trim();
  const authorization = request.headers.authorization;
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim();
  return undefined;
}

/**
 * Authentication in two steps, so that rate limiting can sit between them and count
 * failed attempts per IP: the `onRequest` hook below finds the presented key's principal on
 * every request (a read, never a write); `authorizer` runs per route after the rate limiter
 * and enforces the route's declaration.
 * A route that declares neither scope nor `public` stops the app from booting.
 */
export const authPlugin = fp(
  async (app, options: { db: Db }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('presentedKey', false);

    // A callback, not an async hook: a key known to be active is answered without a promise.
    // Reads are answered at once, and each then runs to its end before the next begins (resumed
    // together, fifty GET /partners kept their rows alive at once: a quarter of the CPU went to the
    // garbage collector). Writes wait for the turn's shared check, so that the writes that arrived
    // together reach the group commit together (docs/decisions.md, "Keys and access").
    app.addHook('onRequest', (request, _reply, done) => {
      const key = presentedKeyOf(request);
      if (key === undefined) return done();
      request.presentedKey = true;
      const principal = authenticateApiKey(options.db, key, request.method === 'GET' || request.method === 'HEAD');
      if (!(principal instanceof Promise)) {
        request.principal = principal ?? null;
        return done();
      }
      principal.then((principal) => {
        request.principal = principal ?? null;
        done();
      }, done);
    });

    const undeclared: RouteOptions[] = [];
    app.addHook('onRoute', (route) => {
      undeclared.push(route);
      route.onRequest = [...toArray(route.onRequest), authorizer(route)];
    });
    app.addHook('onReady', async () => {
      const missing = undeclared.filter((route) => route.config?.auth === undefined);
      if (missing.length > 0) {
        const names = missing.map((route) => `${String(route.method)} ${route.url}`).join(', ');
        throw new Error(`Routes without an auth declaration (config.auth): ${names}`);
      }
    });
  },
  { name: 'auth', dependencies: ['@fastify/rate-limit'] },
);

/**
 * The route's check of the principal. Its declaration is read from the route's own options, which
 * plugins registered later may still complete (the docs' routes), rather than from
 * `request.routeOptions`, which builds a new object on every access. A callback, not an async
 * function: every request runs it.
 */
function authorizer(route: RouteOptions) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: AppError) => void): void => {
    done(refusalOf(route.config?.auth, request));
  };
}

/** Why the route refuses the request's principal, or undefined when it may go on. */
function refusalOf(auth: RouteAuth | undefined, request: FastifyRequest): AppError | undefined {
  if (auth === 'public') return undefined;
  if (auth === undefined) return new AppError('internal', 'route has no auth declaration');
  const principal = request.principal;
  if (!principal) {
    return new AppError(
      'unauthorized',
      request.presentedKey
        ? 'The API key is unknown or has been revoked'
        : 'Send an API key in the X-API-Key header (or Authorization: Bearer <key>)',
    );
  }
  if (!hasScope(principal, auth.scope)) return new AppError('forbidden', `This API key lacks the '${auth.scope}' scope`);
  if (principal.partnerId !== null && !auth.partnerBound) return new AppError('not_found', 'Not found');
  return undefined;
}

function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
