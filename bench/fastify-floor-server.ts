/**
 * The bare baseline's stored GET /attribution (bench/baseline-server.ts, the same store and the same
 * answer) served by Fastify with no plugin, hook, schema or logger: what the framework alone costs
 * over node:http, for `bench/get-floor.ts`. Env: BASELINE_PORT, BASELINE_DB_PATH.
 */
import Fastify from 'fastify';
import { openSqliteStore, type CopySource } from './baseline-store.js';

const store = await openSqliteStore(process.env.BASELINE_DB_PATH ?? 'fastify-floor.db');
const iso = (ms: unknown) => new Date(Number(ms)).toISOString();
const app = Fastify({ logger: false });

app.post('/__copy', async (request) => {
  await store.copyFrom(request.body as CopySource);
  return { copied: true };
});
app.get('/health', async () => ({ status: 'ok' }));
app.get<{ Params: { dealId: string } }>('/attribution/:dealId', async (request, reply) => {
  const stored = await store.readAttribution(request.params.dealId);
  if (!stored) return reply.code(404).send({ status: 404 });
  const { result, shares } = stored;
  const attributions = shares
    .map((share) => ({
      partner_id: share.partner_id,
      partner_name: share.partner_name,
      percentage: Number(share.basis_points) / 100,
      payout: Number(share.payout) / 100,
      touchpoints: Number(share.touchpoints),
      role: share.roles,
    }))
    .sort((a, b) => b.payout - a.payout || String(a.partner_id).localeCompare(String(b.partner_id)));
  return {
    deal_id: request.params.dealId,
    total_amount: Number(result.amount_minor) / 100,
    currency: result.currency,
    model: result.model,
    attributions,
    calculated_at: iso(result.calculated_at),
    cached: true,
  };
});

const shutdown = () => void app.close().then(() => store.close()).then(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
await app.listen({ port: Number(process.env.BASELINE_PORT), host: '127.0.0.1' });
