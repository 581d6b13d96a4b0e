import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type ClusterInstance, type TestCluster } from '../helpers/cluster.js';
import { missingServices } from '../helpers/environment.js';

const skip = missingServices({ postgres: true });

const PARTNERS = ['p1', 'p2', 'p3', 'p4', 'p5'] as const;
const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'] as const;
const MODELS = ['linear', 'role-based', 'time-decay', 'position-based', 'first-touch', 'last-touch'] as const;
const DAY_MS = 86_400_000;
const START = Date.parse('2024-01-01T00:00:00.000Z');

interface Attribution {
  total_amount: number;
  model: string;
  cached: boolean;
  attributions: { partner_id: string; percentage: number; payout: number; touchpoints: number; role: string }[];
}

/**
 * Two instances on one PostgreSQL database record touchpoints for the same deal at the same
 * moment, single and in batches, while both read its attribution: afterwards the stored result
 * both serve must be current (every touchpoint counted) and exact, and equal a fresh computation.
 */
describe.skipIf(skip)(`two instances writing one deal's touchpoints at once${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestCluster;
  let a: ClusterInstance;
  let b: ClusterInstance;
  beforeAll(async () => {
    cluster = await startTestCluster({ instances: 2, dialect: 'postgres' });
    [a, b] = cluster.instances as [ClusterInstance, ClusterInstance];
    for (const id of PARTNERS) {
      expect((await a.api.post('/partners', { id, name: `Partner ${id}`, email: `${id}@example.com` })).statusCode).toBe(201);
    }
  });
  afterAll(async () => cluster?.close());

  it.for(MODELS.map((model, round) => [model, round] as const))(
    'ends with a current, exact stored result (%s)',
    async ([model, round], context) => {
      context.skip(!a.app.hasRoute({ method: 'GET', url: '/attribution/:dealId' }), 'GET /attribution/:dealId is not built yet');
      const dealId = `deal-${round}`;
      const created = await a.api.post('/deals', { id: dealId, amount: 1000.01 + round, closed_date: '2024-02-01T00:00:00Z', attribution_model: model });
      expect(created.statusCode).toBe(201);

      let serial = 0;
      const touchpoint = (writer: string) => {
        const n = serial++;
        return {
          id: `${dealId}-${writer}-${n}`,
          partner_id: PARTNERS[(n * 7 + writer.length) % PARTNERS.length],
          deal_id: dealId,
          touchpoint_type: TYPES[(n * 5 + round) % TYPES.length],
          // Several days and types per batch, in different orders on each side: rollup rows are
          // locked in different orders by the two transactions.
          timestamp: new Date(START + ((n * 11) % 25) * DAY_MS + n * 1000).toISOString(),
        };
      };
      const writes = (instance: ClusterInstance, writer: string) => [
        ...Array.from({ length: 6 }, () => instance.api.post('/events', touchpoint(writer))),
        instance.api.post('/events/batch', { events: Array.from({ length: 8 }, () => touchpoint(writer)) }),
        instance.api.post('/events/batch', { events: Array.from({ length: 8 }, () => touchpoint(writer)).reverse() }),
      ];
      const reads = (instance: ClusterInstance) => Array.from({ length: 4 }, () => instance.api.get(`/attribution/${dealId}`));

      const answers = await Promise.all([...writes(a, 'a'), ...reads(b), ...writes(b, 'bb'), ...reads(a)]);
      const failures = answers.filter((res) => res.statusCode >= 300).map((res) => `${res.statusCode} ${res.body}`);
      expect(failures).toEqual([]);
      const written = serial;

      const [fromA, fromB] = await Promise.all([a.api.get(`/attribution/${dealId}`), b.api.get(`/attribution/${dealId}`)]);
      const stored = [fromA.json<Attribution>(), fromB.json<Attribution>()];
      const fresh = (await b.api.get(`/attribution/${dealId}?recalculate=true`)).json<Attribution>();
      for (const result of stored) {
        expect(result.cached).toBe(true);
        expect(result.model).toBe(model);
        expect(result.attributions).toEqual(fresh.attributions);
      }
      const lines = fresh.attributions;
      expect(lines.reduce((sum, line) => sum + line.touchpoints, 0)).toBe(written);
      expect(lines.reduce((sum, line) => sum + Math.round(line.payout * 100), 0)).toBe(Math.round(fresh.total_amount * 100));
      expect(lines.reduce((sum, line) => sum + Math.round(line.percentage * 100), 0)).toBe(100_00);
    },
  );
});
