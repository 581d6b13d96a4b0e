import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

/** Where `npm run build` puts the dashboard: `dist/dashboard`, three levels above this file in src/ and in dist/ alike. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dist/dashboard/', import.meta.url));

/**
 * The dashboard's policy: everything from this origin, no inline script or style, no eval.
 * Stricter than the service-wide policy, which /docs (Swagger UI) needs relaxed.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const NOT_BUILT = 'The dashboard is not built. Run `npm run build` (npm start does it), then reload.\n';

/**
 * GET /dashboard: the single-page app built by Vite, from this process. Its files are public
 * (the app asks for a key and calls the public API with it) and not rate limited, so loading
 * the page never spends a person's request budget. Asset names carry a content hash and are
 * cached for a year; index.html is revalidated every time, so a deploy shows at once.
 */
export const dashboardRoutes: FastifyPluginAsync<{ directory?: string }> = async (app, options) => {
  const root = options.directory ?? DEFAULT_DASHBOARD_DIR;
  await app.register(fastifyStatic, { root, serve: false });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', DASHBOARD_CSP);
  });

  const sendIndex = (reply: FastifyReply) => {
    if (!existsSync(join(root, 'index.html'))) return reply.code(503).type('text/plain; charset=utf-8').send(NOT_BUILT);
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  };

  const config = { auth: 'public' as const, rateLimit: false as const };
  const schema = { hide: true };
  app.get('/dashboard', { config, schema }, async (_request, reply) => sendIndex(reply));
  app.get('/dashboard/*', { config, schema }, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    if (path === '' || path === 'index.html') return sendIndex(reply);
    // Only files under the build: a `..` segment would be refused by send as a 403 error, not answered as missing.
    if (path.split(/[\\/]/).includes('..')) return reply.callNotFound();
    return reply.sendFile(path, { maxAge: '365d', immutable: true });
  });
};
