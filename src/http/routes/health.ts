import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isDatabaseReachable } from '../../services/health.js';
import type { ServiceContext } from '../../services/context.js';

export const healthRoutes: FastifyPluginAsyncZod<{ db: ServiceContext['db']; version: string }> = async (app, { db, version }) => {
  app.get(
    '/health',
    {
      config: { auth: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: z.object({ status: z.literal('ok'), version: z.string() }) },
      },
    },
    async () => ({ status: 'ok' as const, version }),
  );

  app.get(
    '/ready',
    {
      config: { auth: 'public', rateLimit: false },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers',
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable') }),
        },
      },
    },
    async (_request, reply) =>
      (await isDatabaseReachable(db))
        ? reply.send({ status: 'ready' as const })
        : reply.code(503).send({ status: 'unavailable' as const }),
  );
};
