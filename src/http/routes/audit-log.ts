import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_ACTIONS, AUDIT_ENTITY_TYPES, listAuditLogPage } from '../../services/audit.js';
import type { ServiceContext } from '../../services/context.js';
import { problemResponses } from '../problem.js';
import { dateRangeQuery, idSchema, isoTimestamp, paginated, paginationQuery, toIso } from '../schemas.js';

const auditEntryResponse = z
  .object({
    id: z.string(),
    at: isoTimestamp,
    key_id: z.string().nullable().describe('null for the command-line tool'),
    key_name: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    entity_type: z.enum(AUDIT_ENTITY_TYPES),
    entity_id: z.string(),
    changes: z
      .record(z.string(), z.object({ old: z.unknown(), new: z.unknown() }))
      .describe('Each changed field: old and new value (payout details masked; key secrets never recorded)'),
  })
  .meta({ id: 'AuditEntry' });

export const auditLogRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.get(
    '/audit-log',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags: ['audit'],
        summary: 'Every write, who made it and what it changed; newest first. Append-only: no endpoint changes or deletes an entry',
        querystring: z
          .object({
            entity_type: z.enum(AUDIT_ENTITY_TYPES).optional(),
            entity_id: z.string().min(1).max(128).optional(),
            key_id: idSchema.optional(),
            ...dateRangeQuery,
            ...paginationQuery,
          })
          .refine((q) => q.start_date === undefined || q.end_date === undefined || q.start_date <= q.end_date, {
            message: 'must not be before start_date',
            path: ['end_date'],
          }),
        response: { 200: paginated(auditEntryResponse), ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { start_date, end_date, limit, offset, ...filter } = request.query;
      const { data, total } = await listAuditLogPage(ctx.db, { ...filter, from: start_date, to: end_date, limit, offset });
      return {
        data: data.map((row) => ({
          id: row.id,
          at: toIso(Number(row.at)),
          key_id: row.key_id,
          key_name: row.key_name,
          action: row.action as (typeof AUDIT_ACTIONS)[number],
          entity_type: row.entity_type as (typeof AUDIT_ENTITY_TYPES)[number],
          entity_id: row.entity_id,
          changes: row.changes,
        })),
        pagination: { limit, offset, total },
      };
    },
  );
};
