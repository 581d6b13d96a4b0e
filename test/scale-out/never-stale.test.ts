import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attribute, DEFAULT_ATTRIBUTION_OPTIONS, type Touchpoint } from '../../src/domain/attribution/index.js';
import { startTestCluster, type ClusterInstance, type TestCluster } from '../helpers/cluster.js';
import { missingServices } from '../helpers/environment.js';

const skip = missingServices({ postgres: true });

const PARTNERS = ['p1', 'p2', 'p3', 'p4'] as const;
const DEALS = 6;
const WRITES_PER_DEAL = 24;
const READS = 120;
const AMOUNT_MINOR = 100_001;
const CLOSED_AT = Date.parse('2024-03-01T00:00:00Z');
const START = Date.parse('2024-01-01T00:00:00Z');

interface Line {
  partner_id: string;
  payout: number;
  percentage: number;
  touchpoints: number;
}

/** The n-th touchpoint written on a deal: each deal's writes go one after the other, alternating instances. */
const touchpointOf = (deal: number, n: number): Touchpoint => ({
  partnerId: PARTNERS[(n * 3 + deal) % PARTNERS.length]!,
  type: 'demo',
  timestamp: START + n * 3_600_000,
  sequence: n,
});

/** A fresh computation, in the API's shape, of a linear deal with its first `count` touchpoints. */
function expectedLines(deal: number, count: number): Line[] {
  const touchpoints = Array.from({ length: count }, (_, n) => touchpointOf(deal, n));
  const outcome = attribute({ amountMinor: AMOUNT_MINOR, closedAt: CLOSED_AT }, touchpoints, 'linear', DEFAULT_ATTRIBUTION_OPTIONS);
  return outcome.shares.map((share) => ({
    partner_id: share.partnerId,
    payout: share.payoutMinor / 100,
    percentage: share.basisPoints / 100,
    touchpoints: share.touchpoints,
  }));
}

const linesOf = (body: { attributions: Line[] }): Line[] =>
  body.attributions.map(({ partner_id, payout, percentage, touchpoints }) => ({ partner_id, payout, percentage, touchpoints }));

/**
 * Requirement: every read reflects every write acknowledged before the read began, with two
 * instances writing and reading at once. Each deal's touchpoints are written one after the other
 * (alternating instances), so what is committed is always a prefix of the deal's writes: a read
 * showing n touchpoints must equal a fresh computation over the first n, and n may not be below
 * the count acknowledged when the read began.
 */
describe.skipIf(skip)(`never stale with two instances writing and reading at once${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestCluster;
  let instances: [ClusterInstance, ClusterInstance];
  beforeAll(async () => {
    cluster = await startTestCluster({ instances: 2, dialect: 'postgres' });
    instances = cluster.instances as [ClusterInstance, ClusterInstance];
    for (const id of PARTNERS) {
      expect((await instances[0].api.post('/partners', { id, name: id, email: `${id}@example.com` })).statusCode).toBe(201);
    }
    for (let deal = 0; deal < DEALS; deal++) {
      const body = { id: `d${deal}`, amount: AMOUNT_MINOR / 100, closed_date: new Date(CLOSED_AT).toISOString(), attribution_model: 'linear' };
      expect((await instances[deal % 2]!.api.post('/deals', body)).statusCode).toBe(201);
    }
  });
  afterAll(async () => cluster?.close());

  it('answers every read with at least the acknowledged writes, each answer equal to a fresh computation', async () => {
    const acknowledged = Array.from({ length: DEALS }, () => 0);
    const failures: string[] = [];

    const writeDeal = async (deal: number) => {
      for (let n = 0; n < WRITES_PER_DEAL; n++) {
        const touchpoint = touchpointOf(deal, n);
        const res = await instances[n % 2]!.api.post('/events', {
          id: `d${deal}-${n}`,
          partner_id: touchpoint.partnerId,
          deal_id: `d${deal}`,
          touchpoint_type: touchpoint.type,
          timestamp: new Date(touchpoint.timestamp).toISOString(),
        });
        if (res.statusCode !== 201) failures.push(`write ${res.statusCode} ${res.body}`);
        acknowledged[deal] = n + 1;
      }
    };

    const readDeal = async (read: number) => {
      const deal = read % DEALS;
      const atLeast = acknowledged[deal]!;
      const res = await instances[read % 2]!.api.get(`/attribution/d${deal}`);
      if (res.statusCode !== 200) return failures.push(`read ${res.statusCode} ${res.body}`);
      const lines = linesOf(res.json());
      const seen = lines.reduce((sum, line) => sum + line.touchpoints, 0);
      expect(seen, `d${deal}: read began after ${atLeast} acknowledged writes`).toBeGreaterThanOrEqual(atLeast);
      expect(lines, `d${deal} with ${seen} touchpoints`).toEqual(expectedLines(deal, seen));
    };

    const readAnalytics = async (read: number) => {
      const atLeast = acknowledged.reduce((sum, count) => sum + count, 0);
      const res = await instances[read % 2]!.api.get('/analytics?partners_limit=100');
      if (res.statusCode !== 200) return failures.push(`analytics ${res.statusCode} ${res.body}`);
      const body = res.json();
      expect(body.overview.touchpoints).toBeGreaterThanOrEqual(atLeast);
      expect(body.overview.total_deals).toBe(DEALS);
      const paid = body.partners.reduce((sum: number, row: { attributed_revenue: number }) => sum + Math.round(row.attributed_revenue * 100), 0);
      expect(paid).toBe(Math.round(body.overview.attributed_revenue * 100));
    };

    const reader = async (offset: number) => {
      for (let read = offset; read < READS; read += 3) {
        await (read % 5 === 0 ? readAnalytics(read) : readDeal(read));
      }
    };

    await Promise.all([...Array.from({ length: DEALS }, (_, deal) => writeDeal(deal)), reader(0), reader(1), reader(2)]);
    expect(failures).toEqual([]);

    // Quiescent: every answer from both instances equals the fresh computation over all writes.
    let attributed = 0;
    for (let deal = 0; deal < DEALS; deal++) {
      const expected = expectedLines(deal, WRITES_PER_DEAL);
      for (const instance of instances) expect(linesOf((await instance.api.get(`/attribution/d${deal}`)).json())).toEqual(expected);
      attributed += AMOUNT_MINOR;
    }
    for (const instance of instances) {
      const body = (await instance.api.get('/analytics?partners_limit=100')).json();
      expect(body.overview).toMatchObject({ total_deals: DEALS, touchpoints: DEALS * WRITES_PER_DEAL });
      expect(Math.round(body.overview.attributed_revenue * 100)).toBe(attributed);
    }
  });
});
