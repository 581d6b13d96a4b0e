import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import type { RouteAuth } from './auth.js';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * OpenAPI 3.1 generated from the routes' Zod schemas, served at /openapi.json, and the
 * interactive reference at /docs. Must be registered before the routes it documents.
 */
export const openApiPlugin = fp(
  async (app, options: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Partner Attribution API',
          version: options.version,
          description: 'Track what partners do on each deal and attribute its revenue exactly, to the cent.',
        },
        components: {
          securitySchemes: {
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
            bearer: { type: 'http', scheme: 'bearer' },
          },
        },
        security: [{ apiKey: [] }, { bearer: [] }],
      },
      transform: (input) => {
        const transformed = jsonSchemaTransform(input);
        return { ...transformed, schema: { ...transformed.schema, ...describeAuth(input.route.config?.auth) } };
      },
      transformObject: jsonSchemaTransformObject,
    });

    app.get('/openapi.json', { config: { auth: 'public' }, schema: { hide: true } }, async () => app.swagger());

    await app.register(async (docs) => {
      // swagger-ui's own routes cannot carry our config: declare them public here.
      docs.addHook('onRoute', (route) => {
        route.config = { ...route.config, auth: 'public' };
      });
      await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: false } });
    });
  },
  { name: 'openapi', dependencies: ['auth'] },
);

/** Each operation says what it needs: no security for public routes, `x-required-scope` for the rest. */
function describeAuth(auth: RouteAuth | undefined) {
  if (auth === undefined || auth === 'public') return { security: [] };
  return { 'x-required-scope': auth.scope, 'x-partner-bound-keys': auth.partnerBound === true };
}
