import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { TEST_DATABASE_URL } from '../helpers/environment.js';
import type { Api } from '../helpers/app.js';
import { createDeal, createPartners, jan, touch } from '../attribution/fixtures.js';

/**
 * The data-driven answers are the same, byte for byte, on every instance and on both engines:
 * the fit is made once and stored, every instance reads that one, and the payouts are split in
 * integers (docs/models.md, "Determinism").
 */

const PARTNERS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
const TYPES = ['referral', 'demo', 'intro', 'support', 'closer', 'other'];

/** A random history of won and lost deals, the same for every seed on every engine. */
const history = fc.sample(
  fc.record({
    won: fc.boolean(),
    amount: fc.integer({ min: 100, max: 1_000_000 }),
    touchpoints: fc.array(fc.tuple(fc.constantFrom(...PARTNERS), fc.constantFrom(...TYPES), fc.integer({ min: 1, max: 27 })), {
      minLength: 1,
      maxLength: 5,
    }),
  }),
  { numRuns: 40, seed: 2018 },
);

async function seed(api: Api) {
  await createPartners(api, PARTNERS);
  for (const [n, deal] of history.entries()) {
    const id = `d${String(n).padStart(2, '0')}`;
    await touch(api, id, deal.touchpoints.map(([partner, type, day]) => [partner, type, jan(day)] as const));
    await createDeal(api, {
      id,
      amount: deal.amount / 100,
      status: deal.won ? 'won' : 'lost',
      closed_date: jan(28),
      attribution_model: n % 2 === 0 ? 'markov' : 'shapley',
    });
  }
}

const WON = history.flatMap((deal, n) => (deal.won ? [`d${String(n).padStart(2, '0')}`] : []));

/** Everything the data-driven endpoints answer, as raw bodies; the clock-dependent fields and generated ids blanked. */
async function answers(api: Api): Promise<string[]> {
  const bodies: string[] = [];
  const read = async (url: string) => {
    const res = await api.get(url);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    // Event ids are made by the server at random: the same on two instances, not across two databases.
    bodies.push(res.body.replace(/"(fitted_at|calculated_at)":"[^"]*"/g, '"$1":"…"').replace(/"id":"evt_[0-9a-f]+"/g, '"id":"evt_…"'));
  };
  await read('/attribution-models/markov');
  await read('/attribution-models/shapley');
  for (const id of WON) {
    await read(`/attribution/${id}`);
    await read(`/attribution/${id}?model=${id.endsWith('1') ? 'markov' : 'shapley'}`);
    await read(`/attribution/${id}/explain`);
  }
  return bodies;
}

describe('two instances on one database', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ instances: 2, env: { PROPAGATION_WORKER: 'off' } });
    await seed(cluster.instances[0]!.api);
  });
  afterAll(async () => cluster?.close());

  it('answer byte for byte the same, whichever fits or computes first', async () => {
    const [first, second] = cluster.instances;
    const fromSecond = await answers(second!.api);
    const fromFirst = await answers(first!.api);
    expect(fromFirst).toEqual(fromSecond);
    expect(fromFirst.join()).toContain('"version":1');
  });
});

describe.skipIf(!TEST_DATABASE_URL)('SQLite and PostgreSQL', () => {
  let sqlite: TestCluster;
  let postgres: TestCluster;
  beforeAll(async () => {
    sqlite = await startTestCluster({ instances: 1, dialect: 'sqlite', env: { PROPAGATION_WORKER: 'off' } });
    postgres = await startTestCluster({ instances: 1, dialect: 'postgres', env: { PROPAGATION_WORKER: 'off' } });
    await seed(sqlite.instances[0]!.api);
    await seed(postgres.instances[0]!.api);
  });
  afterAll(async () => {
    await sqlite?.close();
    await postgres?.close();
  });

  it('answer byte for byte the same from the same data', async () => {
    const fromSqlite = await answers(sqlite.instances[0]!.api);
    const fromPostgres = await answers(postgres.instances[0]!.api);
    expect(fromPostgres).toEqual(fromSqlite);
  });
});
