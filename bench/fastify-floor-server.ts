/**
 * The bare baseline's stored GET /attribution (bench/baseline-server.ts, the same store and the same
 * answer) served by Fastify with no plugin, hook, schema or logger: what the framework alone costs
 * over node:http, for `bench/get-floor.ts`. Env: BASELINE_PORT, BASELINE_DB_PATH.
 */
import Fastify from 'fastify';
import { openSqliteStore, storedAttributionAnswer, type CopySource } from './baseline-store.js';

const store = await openSqliteStore(process.env.BASELINE_DB_PATH ?? 'fastify-floor.db');
const app = Fastify({ logger: false });

app.post('/__copy', async (request) => {
  await store.copyFrom(request.body as CopySource);
  return { copied: true };
});
app.get('/health', async () => ({ status: 'ok' }));
app.get<{ Params: { dealId: string } }>('/attribution/:dealId', async (request, reply) => {
  const stored = await store.readAttribution(request.params.dealId);
  if (!stored) return reply.code(404).send({ status: 404 });
  return storedAttributionAnswer(request.params.dealId, stored);
});

const shutdown = () => void app.close().then(() => store.close()).then(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
await app.listen({ port: Number(process.env.BASELINE_PORT), host: '127.0.0.1' });
