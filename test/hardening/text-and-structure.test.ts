import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWriteMark } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * Issue 11, point 3: the same input gets the same answer on SQLite and PostgreSQL (this file runs
 * on both): control characters, deep nesting and prototype keys are a 400 naming the field.
 */
let t: TestApp;
beforeAll(async () => {
  // The worker off: its background recomputations would count as changes a rejected request made.
  t = await startTestApp();
  await t.api.post('/partners', { id: 'p-text', name: 'Text', email: 'text@example.com' });
});
afterAll(async () => t.close());

type Answer = Awaited<ReturnType<TestApp['api']['get']>>;
const pathsOf = (res: Answer) => (res.json().errors ?? []).map((error: { path: string }) => error.path);

/** The request is a 400 naming `path`, and nothing in the database changed. */
async function expectRefused(send: () => Promise<Answer>, path: string | RegExp) {
  const before = await databaseWriteMark(t.db);
  const res = await send();
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (typeof path === 'string') expect(pathsOf(res)).toContain(path);
  else expect(pathsOf(res)[0]).toMatch(path);
  expect(res.json().detail).not.toMatch(/call stack|not valid JSON/i);
  expect(await databaseWriteMark(t.db)).toBe(before);
  return res;
}

describe('control characters', () => {
  const CONTROLS = ['\u0000', '\u0007', '\u001b', '\u007f', '\u0085', '\r'];

  it.each(CONTROLS.map((char) => [JSON.stringify(char), char]))('%s in a name, an email, a key name or a search term', async (_label, char) => {
    await expectRefused(() => t.api.post('/partners', { name: `Al${char}ice`, email: 'alice@example.com' }), 'name');
    await expectRefused(() => t.api.post('/partners', { name: 'Alice', email: `al${char}ice@example.com` }), 'email');
    await expectRefused(() => t.api.patch('/partners/p-text', { name: `X${char}` }), 'name');
    await expectRefused(() => t.api.post('/api-keys', { name: `ci${char}`, scopes: ['read'] }), 'name');
    await expectRefused(() => t.api.get(`/partners?search=${encodeURIComponent(`a${char}b`)}`), 'search');
    await expectRefused(() => t.api.post('/partners', { name: 'P', email: 'p@example.com', payout_details: { iban: `DE${char}1` } }), 'payout_details/iban');
    await expectRefused(
      () => t.api.post('/events', { partner_id: 'p-text', deal_id: 'd-1', touchpoint_type: 'demo', metadata: { note: `a${char}b` } }),
      'metadata/note',
    );
    await expectRefused(
      () => t.api.post('/events', { partner_id: 'p-text', deal_id: 'd-1', touchpoint_type: 'demo', metadata: { [`k${char}`]: 1 } }),
      `metadata/${JSON.stringify(`k${char}`)}`,
    );
  });

  it('tab and newline: refused in one-line fields, kept in free text', async () => {
    await expectRefused(() => t.api.post('/partners', { name: 'Tab\there', email: 'tab@example.com' }), 'name');
    await expectRefused(() => t.api.post('/api-keys', { name: 'two\nlines', scopes: ['read'] }), 'name');
    const res = await t.api.post('/events', {
      partner_id: 'p-text',
      deal_id: 'd-1',
      touchpoint_type: 'demo',
      metadata: { note: 'line one\n\tline two' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().metadata).toEqual({ note: 'line one\n\tline two' });
  });

  it('a lone UTF-16 surrogate is not text', async () => {
    await expectRefused(() => t.api.inject({
      method: 'POST',
      url: '/partners',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"a\\ud800b","email":"s@example.com"}',
    }), 'name');
  });
});

describe('nesting', () => {
  const nested = (levels: number): Record<string, unknown> => {
    let value: Record<string, unknown> = { leaf: true };
    for (let level = 1; level < levels; level++) value = { a: value };
    return value;
  };
  const event = (metadata: unknown) => ({ partner_id: 'p-text', deal_id: 'd-deep', touchpoint_type: 'intro', metadata });

  it('metadata 32 levels deep is taken', async () => {
    expect((await t.api.post('/events', event(nested(32)))).statusCode).toBe(201);
  });

  it('metadata 33 levels deep, or a few thousand, is a 400 naming metadata', async () => {
    const res = await expectRefused(() => t.api.post('/events', event(nested(33))), 'metadata');
    expect(res.json().detail).toContain('32 levels');
    // Written as text: the test client's own serializer would overflow first.
    const deepText = (levels: number) => `${'{"a":'.repeat(levels - 1)}{"leaf":true}${'}'.repeat(levels - 1)}`;
    const raw = (url: string, payload: string) =>
      t.api.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
    for (const levels of [100, 5000]) {
      const one = `{"partner_id":"p-text","deal_id":"d-deep","touchpoint_type":"intro","metadata":${deepText(levels)}}`;
      await expectRefused(() => raw('/events', one), /^metadata(\/a)*$/);
      await expectRefused(() => raw('/events/batch', `{"events":[${one}]}`), /^events\/0\/metadata(\/a)*$/);
    }
  });

  it('a deep array in any body is refused too', async () => {
    const value = `${'['.repeat(3000)}1${']'.repeat(3000)}`;
    const res = await t.api.inject({
      method: 'POST',
      url: '/partners',
      headers: { 'content-type': 'application/json' },
      payload: `{"name":"Deep","email":"deep@example.com","payout_details":{"x":${value}}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).not.toMatch(/call stack/i);
  });
});

describe('prototype keys', () => {
  const raw = (url: string, payload: string) =>
    t.api.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

  it.each(['__proto__', 'constructor', 'prototype'])('%s is refused by name, wherever it is', async (key) => {
    await expectRefused(() => raw('/partners', `{"name":"A","email":"a@example.com","${key}":{"x":1}}`), key);
    await expectRefused(() => raw('/partners', `{"name":"A","email":"a@example.com","payout_details":{"${key}":"1"}}`), `payout_details/${key}`);
    await expectRefused(
      () => raw('/events', `{"partner_id":"p-text","deal_id":"d","touchpoint_type":"demo","metadata":{"a":{"${key}":{"polluted":true}}}}`),
      `metadata/a/${key}`,
    );
    await expectRefused(() => raw('/events/batch', `{"events":[{"partner_id":"p-text","deal_id":"d","touchpoint_type":"demo","metadata":{"${key}":1}}]}`), `events/0/metadata/${key}`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('errors[]', () => {
  it('lists at most 100 entries and says how many more there were', async () => {
    const events = Array.from({ length: 1000 }, () => ({ partner_id: 'p-text', deal_id: 'd', touchpoint_type: 'nope' }));
    const res = await expectRefused(() => t.api.post('/events/batch', { events }), 'events/0/touchpoint_type');
    expect(res.json().errors).toHaveLength(100);
    expect(res.json().errors_omitted).toBe(900);
    expect(res.json().detail).toContain('999 more');
  });
});
