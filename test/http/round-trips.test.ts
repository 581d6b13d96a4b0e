import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { testDialect } from '../helpers/environment.js';
import { parsePrometheusText, sampleValue } from '../helpers/prometheus.js';

/**
 * How many statements the hot requests send, counted by the app's own query metrics: on
 * PostgreSQL each one is a round trip. The worker is off, so nothing else reads meanwhile.
 */
let t: TestApp;
let readKey: string;
beforeAll(async () => {
  t = await startTestApp({ PROPAGATION_WORKER: 'off' });
  for (const name of ['Ada', 'Grace', 'Edsger']) {
    expect((await t.api.post('/partners', { name, email: `${name.toLowerCase()}@round-trips.example` })).statusCode).toBe(201);
  }
  readKey = await t.createKey(['read']);
});
afterAll(async () => t.close());

const selects = async () => sampleValue(parsePrometheusText((await t.api.get('/metrics')).body), 'db_query_duration_seconds_count', { kind: 'select' }) ?? 0;

/** The selects `requests` sent, without those of the scrapes around them. */
async function selectsOf(requests: () => Promise<unknown>): Promise<number> {
  const first = await selects();
  const scrapeCost = (await selects()) - first;
  const before = await selects();
  await requests();
  return (await selects()) - before - scrapeCost;
}

describe('statements per request', () => {
  it('reads a page of partners and their count in one statement, past the end too', async () => {
    const api = t.as(readKey);
    expect((await api.get('/partners?limit=2')).statusCode).toBe(200);
    // PostgreSQL: the key, then the page with its count. SQLite: the key from memory, the page with its count.
    let page = await api.get('/partners?limit=2&offset=1');
    expect(await selectsOf(async () => (page = await api.get('/partners?limit=2&offset=1')))).toBe(testDialect() === 'postgres' ? 2 : 1);
    expect(page.json().pagination).toEqual({ limit: 2, offset: 1, total: 3 });
    expect(page.json().data.map((partner: { name: string }) => partner.name)).toEqual(['Grace', 'Edsger']);

    const pastTheEnd = await api.get('/partners?limit=2&offset=5');
    expect(pastTheEnd.json()).toMatchObject({ data: [], pagination: { limit: 2, offset: 5, total: 3 } });
  });

  it('reads a stored attribution in one statement: the deal, its result, the settings, the pending mark and the shares', async () => {
    const api = t.as(readKey);
    const partners = ['rt-a', 'rt-b'];
    for (const id of partners) expect((await t.api.post('/partners', { id, name: `Partner ${id}`, email: `${id}@round-trips.example` })).statusCode).toBe(201);
    for (const [index, partner_id] of partners.entries()) {
      const event = { partner_id, deal_id: 'rt-deal', touchpoint_type: index === 0 ? 'referral' : 'closer', timestamp: '2024-01-10T10:00:00Z' };
      expect((await t.api.post('/events', event)).statusCode).toBe(201);
    }
    expect((await t.api.post('/deals', { id: 'rt-deal', amount: 1000, closed_date: '2024-01-20T10:00:00Z' })).statusCode).toBe(201);
    // The first read finds the deal pending (the worker is off) and brings it up to date.
    const first = await api.get('/attribution/rt-deal');
    expect(first.statusCode).toBe(200);
    let stored = first;
    // PostgreSQL: the key, then the read. SQLite: the key from memory, the read.
    expect(await selectsOf(async () => (stored = await api.get('/attribution/rt-deal')))).toBe(testDialect() === 'postgres' ? 2 : 1);
    expect(stored.json()).toMatchObject({ deal_id: 'rt-deal', cached: true });
    expect(stored.json().attributions).toEqual(first.json().attributions);
    expect(stored.json().attributions.map((line: { partner_id: string }) => line.partner_id).sort()).toEqual(partners);
  });

  it('reads the keys of requests that arrive together once (PostgreSQL), or from memory (SQLite)', async () => {
    const api = t.as(readKey);
    expect((await api.get('/health')).statusCode).toBe(200);
    const keyReads = await selectsOf(async () => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => api.get('/health')));
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(200));
    });
    if (testDialect() === 'postgres') expect(keyReads).toBeGreaterThanOrEqual(1);
    expect(keyReads).toBeLessThanOrEqual(3);
  });

  it('still tells every request of a shared key read its own answer', async () => {
    const revoked = await t.createKey(['read']);
    const id = (await t.as(revoked).get('/api-keys/current')).json<{ id: string }>().id;
    expect((await t.api.delete(`/api-keys/${id}`)).statusCode).toBe(204);
    const keys = [readKey, revoked, 'sk_unknown', readKey, revoked, t.adminKey];
    const answers = await Promise.all(keys.map((key) => t.as(key).get('/partners?limit=1')));
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 401, 401, 200, 401, 200]);
  });
});
