import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseWriteMark } from '../helpers/database.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { rawClient, rawRequest, type RawAnswer } from '../helpers/raw-http.js';

/** Issue 11, point 2: every id the contract allows is addressable in every path that takes it. */
let t: TestApp;
let operations: { method: string; path: string }[];
let send: ((request: string) => Promise<RawAnswer>) | undefined;

// The longest id the contract allows, with every kind of character it allows.
const LONGEST = `crm:${'Ab9_-.'.repeat(20)}`.padEnd(128, 'z');

beforeAll(async () => {
  // The worker off: its background recomputations would count as changes a rejected request made.
  t = await startTestApp();
  expect(LONGEST).toHaveLength(128);
  // One partner, deal and event with the same longest id: every path parameter names something real.
  expect((await t.api.post('/partners', { id: LONGEST, name: 'Longest', email: 'longest@example.com' })).statusCode).toBe(201);
  expect((await t.api.post('/deals', { id: LONGEST, amount: 100 })).statusCode).toBe(201);
  const event = { id: LONGEST, partner_id: LONGEST, deal_id: LONGEST, touchpoint_type: 'closer' };
  expect((await t.api.post('/events', event)).statusCode).toBe(201);
  const doc = (await t.api.get('/openapi.json')).json();
  operations = Object.entries<Record<string, unknown>>(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter(() => path.includes('{'))
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
});
afterAll(async () => t.close());

const fill = (path: string, id: string) => path.replace(/\{[^}]+\}/g, id);
const percentEncoded = (id: string) => [...id].map((char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).join('');

describe('every path parameter at the maximum length', () => {
  it('reaches the resource, as typed and fully percent-encoded', async () => {
    expect(operations.length).toBeGreaterThanOrEqual(10);
    // Deleting the event last keeps it there for every other request.
    const ordered = [...operations].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
    for (const { method, path } of ordered) {
      for (const id of method === 'DELETE' ? [LONGEST] : [LONGEST, percentEncoded(LONGEST)]) {
        const res = await t.api.inject({ method: method as 'GET', url: fill(path, id), ...(method === 'PATCH' ? { payload: {} } : {}) });
        const label = `${method} ${path} (${id.length} characters)`;
        // API keys and payout periods have server-made ids: a client's id there is simply not found.
        const expected = path.startsWith('/api-keys/') || path.startsWith('/payout-periods/') ? [404] : [200, 204];
        expect(expected, label).toContain(res.statusCode);
        expect(res.headers['content-type'] ?? 'application/json', label).toMatch(/json|^$/);
      }
    }
  });

  it('one character more is a 400 naming the parameter, not a 414', async () => {
    const res = await t.api.get(`/partners/${LONGEST}x`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().errors[0].path).toBe('id');
  });

  it('a path segment far past any id is a 414 problem', async () => {
    const res = await t.api.get(`/partners/${'x'.repeat(600)}`);
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 414, code: 'uri_too_long' });
  });
});

describe('"." and ".." are not ids', () => {
  it.each(['.', '..'])('%s is refused in every body that takes an id, storing nothing', async (id) => {
    const before = await databaseWriteMark(t.db);
    const answers = [
      await t.api.post('/partners', { id, name: 'Dot', email: `dot${id.length}@example.com` }),
      await t.api.post('/deals', { id, amount: 1 }),
      await t.api.post('/events', { id, partner_id: LONGEST, deal_id: 'd', touchpoint_type: 'demo' }),
      await t.api.post('/events', { partner_id: LONGEST, deal_id: id, touchpoint_type: 'demo' }),
    ];
    for (const res of answers) {
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((error: { path: string }) => error.path)).toEqual([expect.stringMatching(/^(id|deal_id)$/)]);
    }
    expect(await databaseWriteMark(t.db)).toBe(before);
  });

  // Sent as written, over a socket: `inject` (like browsers and curl) would normalise them away.
  it.each(['.', '..', '%2E', '%2e%2E'])('a path parameter %s is a 400 naming it', async (segment) => {
    send ??= await rawClient(t.app);
    const res: RawAnswer = await send(rawRequest('GET', `/deals/${segment}`, { 'x-api-key': t.adminKey }));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body).errors[0]).toMatchObject({ path: 'id' });
  });
});
