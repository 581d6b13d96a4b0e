import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../errors.js';
import { createApiKey, findApiKeyById, listApiKeysPage, revokeApiKeyById, SCOPES, scopesOf, type ApiKey } from '../../services/api-keys.js';
import type { ServiceContext } from '../../services/context.js';
import { actorOf } from '../actor.js';
import { problemResponses } from '../problem.js';
import { idParams, idSchema, isoTimestamp, paginated, paginationQuery, singleLineText, toIso } from '../schemas.js';

const scope = z.enum(SCOPES);

const apiKeyResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the key, to recognise it; never the key'),
    scopes: z.array(scope),
    partner_id: z.string().nullable(),
    created_at: isoTimestamp,
    revoked_at: isoTimestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const apiKeyRoutes: FastifyPluginAsyncZod<{ ctx: ServiceContext }> = async (app, { ctx }) => {
  app.post(
    '/api-keys',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags: ['api keys'],
        summary: 'Create an API key; the key is shown once, in this response',
        body: z.strictObject({
          name: singleLineText(200),
          scopes: z.array(scope).min(1).describe('admin implies write, write implies read'),
          partner_id: idSchema.optional().describe('Binds the key to one partner: it reads only that partner and writes nothing'),
        }),
        response: {
          201: apiKeyResponse.extend({ key: z.string().describe('Shown once; store it now') }),
          ...problemResponses('unauthorized', 'forbidden', 'partner_not_found'),
        },
      },
    },
    async (request, reply) => {
      const { name, scopes, partner_id } = request.body;
      const { row, key } = await createApiKey(ctx.db, { name, scopes, partnerId: partner_id }, ctx.now(), actorOf(request));
      reply.header('cache-control', 'no-store');
      return reply.code(201).send({ ...toApiKeyResponse(row), key });
    },
  );

  app.get(
    '/api-keys',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags: ['api keys'],
        summary: 'List API keys (no secrets)',
        querystring: z.object(paginationQuery),
        response: { 200: paginated(apiKeyResponse), ...problemResponses('unauthorized', 'forbidden') },
      },
    },
    async (request) => {
      const { data, total } = await listApiKeysPage(ctx.db, request.query);
      const { limit, offset } = request.query;
      return { data: data.map(toApiKeyResponse), pagination: { limit, offset, total } };
    },
  );

  app.get(
    '/api-keys/current',
    {
      config: { auth: { scope: 'read', partnerBound: true } },
      schema: {
        tags: ['api keys'],
        summary: 'The key this request is made with: its scopes and partner, so a client knows what it may show',
        response: { 200: apiKeyResponse, ...problemResponses('unauthorized') },
      },
    },
    async (request) => {
      const row = await findApiKeyById(ctx.db, request.principal!.keyId);
      // Revoked between authentication and this read: answer as authentication would have.
      if (!row || row.revoked_at !== null) throw new AppError('unauthorized', 'The API key is unknown or has been revoked');
      return toApiKeyResponse(row);
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { auth: { scope: 'admin' } },
      schema: {
        tags: ['api keys'],
        summary: 'Revoke an API key; it stops working at once',
        params: idParams,
        response: { 204: z.null().describe('Revoked'), ...problemResponses('unauthorized', 'forbidden', 'not_found') },
      },
    },
    async (request, reply) => {
      if (!(await revokeApiKeyById(ctx.db, request.params.id, ctx.now(), actorOf(request)))) throw notFound('API key', request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export function toApiKeyResponse(row: ApiKey) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: scopesOf(row),
    partner_id: row.partner_id,
    created_at: toIso(row.created_at),
    revoked_at: row.revoked_at === null ? null : toIso(row.revoked_at),
  };
}
