import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayOf } from '../../src/services/analytics/buckets.js';
import { startTestCluster, type ClusterInstance, type TestCluster } from '../helpers/cluster.js';
import { missingServices } from '../helpers/environment.js';

const skip = missingServices({ postgres: true });
const TIMESTAMP = '2024-03-05T10:00:00Z';

/**
 * Concurrent touchpoint writes share the daily touchpoint rollup's rows, and each holds those it
 * upserted until it commits, so a write takes them last (architecture.md, "What is pending"). Here
 * another transaction holds the rollup row a write needs: by the time the write waits for it, it
 * must already have written everything else, its audit entries and its pending and fit marks.
 */
describe.skipIf(skip)(`a touchpoint write takes the rollup's rows last${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let cluster: TestCluster;
  let service: ClusterInstance;
  let holder: pg.Client;
  beforeAll(async () => {
    cluster = await startTestCluster({ instances: 1, dialect: 'postgres' });
    service = cluster.instances[0]!;
    expect((await service.api.post('/partners', { id: 'p1', name: 'Ada', email: 'ada@example.com' })).statusCode).toBe(201);
    holder = new pg.Client({ connectionString: cluster.database.env.DATABASE_URL });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await cluster?.close();
  });

  /** The tables a backend holds locks on, once it waits for a lock this client holds; undefined if none does yet. */
  const tablesOfWaiter = async (): Promise<string[] | undefined> => {
    const { rows } = await holder.query<{ tables: string[] }>(
      `select array_agg(distinct l.relation::regclass::text) as tables
       from pg_stat_activity a join pg_locks l on l.pid = a.pid and l.granted and l.locktype = 'relation'
       where pg_backend_pid() = any(pg_blocking_pids(a.pid))
       group by a.pid`,
    );
    return rows[0]?.tables;
  };

  it.each([
    ['a batch', '/events/batch', (deal: string) => ({ events: [1, 2, 3].map((n) => ({ partner_id: 'p1', deal_id: deal, touchpoint_type: 'demo', timestamp: TIMESTAMP, metadata: { n } })) })],
    ['a single event', '/events', (deal: string) => ({ partner_id: 'p1', deal_id: deal, touchpoint_type: 'demo', timestamp: TIMESTAMP })],
  ])('%s', async (_what, url, body) => {
    const deal = `deal-${url.length}`;
    await holder.query('begin');
    await holder.query(
      `insert into analytics_touchpoint_days (day, touchpoint_type, touchpoints) values ($1, 'demo', 0)
       on conflict (day, touchpoint_type) do update set touchpoints = analytics_touchpoint_days.touchpoints`,
      [dayOf(Date.parse(TIMESTAMP))],
    );
    const write = service.api.post(url, body(deal));
    let tables: string[] | undefined;
    for (let attempt = 0; attempt < 200 && tables === undefined; attempt++) {
      tables = await tablesOfWaiter();
      if (tables === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await holder.query('commit');
    expect((await write).statusCode).toBe(201);
    expect(tables).toEqual(expect.arrayContaining(['events', 'audit_log', 'attribution_pending', 'attribution_fit_pending', 'analytics_touchpoint_days']));
    expect((await service.api.get(`/events?deal_id=${deal}`)).json().pagination.total).toBe(url === '/events' ? 1 : 3);
  });
});
