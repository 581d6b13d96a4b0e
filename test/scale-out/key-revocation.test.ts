import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Db } from '../../src/storage/db.js';
import { startTestCluster, type ClusterInstance, type TestCluster } from '../helpers/cluster.js';
import { TEST_DATABASE_URL, type TestDialect } from '../helpers/environment.js';

/**
 * Instances remember the keys they have seen (on SQLite). A revocation acknowledged by one
 * instance, or written around the service, must still fail the very next request on every other.
 */
const dialects: TestDialect[] = TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(dialects)('a revoked key on two instances (%s)', (dialect) => {
  let cluster: TestCluster;
  let a: ClusterInstance;
  let b: ClusterInstance;
  beforeAll(async () => {
    cluster = await startTestCluster({ instances: 2, dialect });
    [a, b] = cluster.instances as [ClusterInstance, ClusterInstance];
  });
  afterAll(async () => cluster?.close());

  /** A new read key, used on both instances until each has surely seen it. */
  async function keyInUse(name: string): Promise<{ id: string; key: string }> {
    const created = await a.api.post('/api-keys', { name, scopes: ['read'] });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json<{ id: string; key: string }>();
    for (const instance of [a, b, a, b]) expect((await instance.as(key).get('/partners')).statusCode).toBe(200);
    return { id, key };
  }

  it('fails on the other instance at once when one instance revokes it', async () => {
    const { id, key } = await keyInUse('revoked on a');
    expect((await a.api.delete(`/api-keys/${id}`)).statusCode).toBe(204);
    expect((await b.as(key).get('/partners')).statusCode).toBe(401);
    expect((await a.as(key).get('/partners')).statusCode).toBe(401);
  });

  it('fails on the instance that revoked it, when the other instance revokes', async () => {
    const { id, key } = await keyInUse('revoked on b');
    expect((await b.api.delete(`/api-keys/${id}`)).statusCode).toBe(204);
    expect((await a.as(key).get('/partners')).statusCode).toBe(401);
    expect((await b.as(key).get('/partners')).statusCode).toBe(401);
  });

  it('fails on the other instance at once while that instance is reading keys for other requests', async () => {
    const { id, key } = await keyInUse('revoked under load');
    const kept = await keyInUse('kept under load');
    // Requests on b keep a key read under way (PostgreSQL reads the keys of requests that arrive
    // together once): the request after the revocation must wait for a read that began after it.
    let loading = true;
    const load = (async () => {
      while (loading) {
        await Promise.all(Array.from({ length: 8 }, (_, n) => b.as(n % 2 ? key : kept.key).get('/health')));
        // Answers from memory (SQLite) never leave the microtask queue: let the test's timers run.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await a.api.delete(`/api-keys/${id}`)).statusCode).toBe(204);
      expect((await b.as(key).get('/partners')).statusCode).toBe(401);
      expect((await b.as(kept.key).get('/partners')).statusCode).toBe(200);
    } finally {
      loading = false;
      await load;
    }
  });

  it('fails a write on the other instance at once, while that instance checks the keys of writes arriving together', async () => {
    // A write's key is checked once for every request that arrived in the same turn (on SQLite):
    // that check must still come after the revocation, for the write sent after it.
    let partners = 0;
    const partner = (name: string) => ({ name, email: `writer-${partners++}@example.com` });
    const writeKey = async (name: string) => {
      const created = (await a.api.post('/api-keys', { name, scopes: ['write'] })).json<{ id: string; key: string }>();
      for (const instance of [a, b]) expect((await instance.as(created.key).post('/partners', partner(name))).statusCode).toBe(201);
      return created;
    };
    const revoked = await writeKey('write revoked under load');
    const kept = await writeKey('write kept under load');
    let loading = true;
    let written = 0;
    const load = (async () => {
      while (loading) {
        const answers = await Promise.all(Array.from({ length: 8 }, () => b.as(kept.key).post('/partners', partner('load'))));
        for (const answer of answers) expect(answer.statusCode).toBe(201);
        written += answers.length;
      }
    })();
    try {
      // Revoked while the load runs: once a round of it has been answered (a failed round fails here).
      while (written === 0) await Promise.race([load, new Promise((resolve) => setTimeout(resolve, 5))]);
      expect((await a.api.delete(`/api-keys/${revoked.id}`)).statusCode).toBe(204);
      const [refused, accepted] = await Promise.all([b.as(revoked.key).post('/partners', partner('after the revocation')), b.as(kept.key).post('/partners', partner('next to it'))]);
      expect(refused.statusCode).toBe(401);
      expect(accepted.statusCode).toBe(201);
    } finally {
      loading = false;
      await load;
    }
    expect(written).toBeGreaterThan(0);
  });

  it('fails at once when the key is revoked around the service (an operator’s SQL)', async () => {
    const { id, key } = await keyInUse('revoked by sql');
    const operator: Db = createDatabase(cluster.instances[0]!.config);
    try {
      await operator.updateTable('api_keys').set({ revoked_at: Date.now() }).where('id', '=', id).execute();
    } finally {
      await operator.destroy();
    }
    expect((await a.as(key).get('/partners')).statusCode).toBe(401);
    expect((await b.as(key).get('/partners')).statusCode).toBe(401);
  });

  it('keeps the other keys working after a revocation', async () => {
    const kept = await keyInUse('kept');
    const revoked = await keyInUse('revoked next to it');
    expect((await b.api.delete(`/api-keys/${revoked.id}`)).statusCode).toBe(204);
    for (const instance of [a, b]) {
      expect((await instance.as(kept.key).get('/partners')).statusCode).toBe(200);
      expect((await instance.as(revoked.key).get('/partners')).statusCode).toBe(401);
    }
  });
});
