import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from '../problem.js';
import { checkReadiness } from '../../services/readiness.js';
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
        summary: 'Readiness: the database answers within 1.5 s and accepts writes',
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable'), reason: z.string().describe('why, for the operator') }),
        },
      },
    },
    async (_request, reply) => {
      const readiness = await checkReadiness(db);
      return readiness.ready
        ? reply.send({ status: 'ready' as const })
        : reply.code(503).header('retry-after', String(UNAVAILABLE_RETRY_AFTER_SECONDS)).send({ status: 'unavailable' as const, reason: readiness.reason });
    },
  );
};
