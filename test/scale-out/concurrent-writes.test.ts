import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type ClusterInstance, type TestCluster } from '../helpers/cluster.js';
import { missingServices } from '../helpers/environment.js';

const skip = missingServices({ postgres: true });
const ROUNDS = 10;

/**
 * The same write reaching two instances at once (a client's retry routed elsewhere by the load
 * balancer, or two integrations racing): each must answer as if the other had come first.
 */
describe.skipIf(skip)(`the same write on two instances at once${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestCluster;
  let a: ClusterInstance;
  let b: ClusterInstance;
  beforeAll(async () => {
    cluster = await startTestCluster({ instances: 2, dialect: 'postgres' });
    [a, b] = cluster.instances as [ClusterInstance, ClusterInstance];
    expect((await a.api.post('/partners', { id: 'p1', name: 'Ada', email: 'ada@example.com' })).statusCode).toBe(201);
  });
  afterAll(async () => cluster?.close());

  const both = async (url: string, body: (round: number) => object) => {
    const outcomes: number[][] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const answers = await Promise.all([a.api.post(url, body(round)), b.api.post(url, body(round))]);
      outcomes.push(answers.map((res) => res.statusCode).sort());
    }
    return outcomes;
  };

  it('creates a deal once and answers 409 to the other', async () => {
    expect(await both('/deals', (round) => ({ id: `deal-${round}`, amount: 10 }))).toEqual(Array(ROUNDS).fill([201, 409]));
  });

  it('creates a partner once and answers 409 to the other (same email)', async () => {
    const outcomes = await both('/partners', (round) => ({ name: 'Twin', email: `twin-${round}@example.com` }));
    expect(outcomes).toEqual(Array(ROUNDS).fill([201, 409]));
  });

  // Both instances plan the event as new; the loser's insert hits the unique index on events.id,
  // and its retry (src/services/events.ts) answers as a replay.
  it('records an idempotent event once and answers the retry 200 with the stored event', async () => {
    const outcomes = await both('/events', (round) => ({
      id: `evt-${round}`,
      partner_id: 'p1',
      deal_id: 'deal-x',
      touchpoint_type: 'demo',
      timestamp: '2024-01-01T00:00:00Z',
    }));
    expect(outcomes).toEqual(Array(ROUNDS).fill([200, 201]));
    const stored = (await a.api.get('/events?deal_id=deal-x&limit=1000')).json();
    expect(stored.pagination.total).toBe(ROUNDS);
  });
});
