import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

// Single POST /events that arrive together share one transaction (src/services/group-commit.ts):
// each must still get the answer it would have had alone, and every acknowledged one must stay.
let t: TestApp;
let writeKey: string;
beforeAll(async () => {
  t = await startTestApp();
  writeKey = await t.createKey(['write']);
  for (const id of ['p1', 'p2']) await t.api.post('/partners', { id, name: id, email: `${id}@example.com` });
  await t.api.post('/events', { id: 'known', partner_id: 'p1', deal_id: 'g-1', touchpoint_type: 'demo', timestamp: '2024-03-01T00:00:00Z' });
});
afterAll(async () => t.close());

const event = (id: string, deal: string, partner = 'p1') => ({ id, partner_id: partner, deal_id: deal, touchpoint_type: 'demo', timestamp: '2024-03-02T00:00:00Z' });

describe('POST /events arriving together', () => {
  it('answers each request for itself when one is invalid, one a replay and one a conflict, and keeps every acknowledged write', async () => {
    const requests = [
      { key: t.adminKey, body: event('a1', 'g-1') },
      { key: writeKey, body: event('a2', 'g-2', 'p2') },
      { key: t.adminKey, body: event('bad', 'g-2', 'ghost') },
      { key: writeKey, body: { ...event('known', 'g-1'), timestamp: '2024-03-01T00:00:00Z' } },
      { key: t.adminKey, body: event('known', 'g-3') },
      { key: writeKey, body: event('twice', 'g-3') },
      { key: t.adminKey, body: event('twice', 'g-3') },
      { key: writeKey, body: event('a3', 'g-3', 'p2') },
    ];
    const answers = await Promise.all(requests.map(({ key, body }) => t.as(key).post('/events', body)));
    const statuses = answers.map((answer) => answer.statusCode);
    expect(statuses.slice(0, 5)).toEqual([201, 201, 422, 200, 409]);
    // The same new id twice: one creates it, the other is its replay.
    expect(statuses.slice(5, 7).sort()).toEqual([200, 201]);
    expect(statuses[7]).toBe(201);
    expect(answers[2]!.json()).toMatchObject({ code: 'partner_not_found', errors: [{ path: 'partner_id' }] });
    expect(answers[4]!.json()).toMatchObject({ code: 'conflict', errors: [{ path: 'id' }] });
    for (const [index, answer] of answers.entries()) {
      if (answer.statusCode >= 300) continue;
      expect(answer.json()).toMatchObject({ id: requests[index]!.body.id, deal_id: requests[index]!.body.deal_id, partner_id: requests[index]!.body.partner_id });
    }

    const stored = (await t.api.get('/events?limit=100')).json().data.map((row: { id: string }) => row.id).sort();
    expect(stored).toEqual(['a1', 'a2', 'a3', 'known', 'twice']);
    // Each created event's audit entry names the key that made it.
    const audit = (await t.api.get('/audit-log?entity_type=event&limit=100')).json().data as { entity_id: string; key_name: string }[];
    const creators = Object.fromEntries(audit.map((entry) => [entry.entity_id, entry.key_name]));
    expect(creators).toMatchObject({ a1: 'test admin', a2: 'test write', a3: 'test write' });
    expect(audit.filter((entry) => entry.entity_id === 'twice')).toHaveLength(1);
  });

  it('stores a group of new touchpoints together, each acknowledged one counted in the results read after it', async () => {
    await t.api.post('/deals', { id: 'g-won', amount: 1000, closed_date: '2024-03-10T00:00:00Z', status: 'won' });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, index) => t.as(index % 2 ? writeKey : t.adminKey).post('/events', event(`n-${index}`, 'g-won', index % 3 ? 'p1' : 'p2'))),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(30).fill(201));
    expect(answers.map((answer) => answer.json().id)).toEqual(Array.from({ length: 30 }, (_, index) => `n-${index}`));
    const attribution = (await t.api.get('/attribution/g-won')).json();
    const touchpoints = attribution.attributions.map((share: { touchpoints: number }) => share.touchpoints).reduce((a: number, b: number) => a + b, 0);
    expect(touchpoints).toBe(30);
    expect((await t.api.get('/events?deal_id=g-won&limit=1')).json().pagination.total).toBe(30);
  });
});
