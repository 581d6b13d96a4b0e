import fp from 'fastify-plugin';
import type { HTTPMethods } from 'fastify';
import { sendProblem } from './errors.js';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * Answers requests no route takes: 405 with `Allow` when the path exists under other methods,
 * 404 otherwise. Both are rate limited like any request, so probing unknown paths costs the
 * caller its budget. Register after the rate limiter and before the routes, so every route is seen.
 */
export const notFoundPlugin = fp(
  async (app) => {
    const known = new Map<string, KnownPath>();
    app.addHook('onRoute', (route) => {
      // Wildcards (the CORS preflight's `OPTIONS *`, the docs' static files) say nothing about a path.
      if (route.url.includes('*')) return;
      const path = route.url.replace(/\/+$/, '') || '/';
      const entry = known.get(path) ?? { pattern: patternOf(path), methods: new Set<string>() };
      for (const method of ([] as HTTPMethods[]).concat(route.method)) entry.methods.add(method.toUpperCase());
      known.set(path, entry);
    });

    const allowedMethods = (url: string): string[] => {
      const path = url.split('?')[0]!.replace(/\/+$/, '') || '/';
      const methods = new Set<string>();
      for (const entry of known.values()) if (entry.pattern.test(path)) for (const method of entry.methods) methods.add(method);
      if (methods.has('GET')) methods.add('HEAD');
      return [...methods].sort();
    };

    app.setNotFoundHandler({ preHandler: app.rateLimit() }, async (request, reply) => {
      const allowed = allowedMethods(request.url);
      const path = request.url.split('?')[0];
      if (allowed.length === 0) return sendProblem(reply, 'not_found', `No route for ${request.method} ${path}`);
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, 'method_not_allowed', `${path} takes ${allowed.join(', ')}, not ${request.method}`);
    });
  },
  { name: 'not-found', dependencies: ['errors', '@fastify/rate-limit'] },
);

/** `/partners/:id` → a pattern for concrete paths such as `/partners/p-1`. */
function patternOf(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

