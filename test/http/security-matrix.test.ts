import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

/**
 * One matrix over every non-public route, read from the OpenAPI document so that a new
 * route is covered the day it is added.
 */
let t: TestApp;
let operations: { method: string; path: string; scope: 'read' | 'write' | 'admin'; partnerBound: boolean }[];
const keys: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestApp();
  await t.api.post('/partners', { id: 'mine', name: 'Mine', email: 'mine@example.com' });
  await t.api.post('/partners', { id: 'theirs', name: 'Theirs', email: 'theirs@example.com' });
  await t.api.post('/deals', { id: 'their-deal', amount: 100 });
  await t.api.post('/events', { id: 'their-event', partner_id: 'theirs', deal_id: 'their-deal', touchpoint_type: 'referral' });
  keys.read = await t.createKey(['read']);
  keys.write = await t.createKey(['write']);
  keys.partner = await t.createKey(['read'], 'mine');
  const revoked = (await t.api.post('/api-keys', { name: 'revoked', scopes: ['admin'] })).json();
  keys.revoked = revoked.key;
  expect((await t.api.delete(`/api-keys/${revoked.id}`)).statusCode).toBe(204);

  const doc = (await t.api.get('/openapi.json')).json();
  operations = Object.entries<Record<string, Record<string, unknown>>>(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op['x-required-scope'] !== undefined)
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        scope: op['x-required-scope'] as 'read' | 'write' | 'admin',
        partnerBound: op['x-partner-bound-keys'] === true,
      })),
  );
});
afterAll(async () => t.close());

/** Fills path parameters with the other partner's things. */
function urlOf(path: string): string {
  return path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (path.startsWith('/partners') || path.startsWith('/analytics/partner') || name === 'partnerId') return 'theirs';
    if (path.startsWith('/events')) return 'their-event';
    if (path.startsWith('/api-keys')) return 'key_unknown';
    return 'their-deal';
  });
}

const call = (method: string, path: string, key: string | undefined, headers: Record<string, string> = {}) =>
  t.as(key).inject({
    method: method as 'GET',
    url: urlOf(path),
    ...(method === 'GET' || method === 'DELETE' ? {} : { payload: {} }),
    headers,
  });

describe('security matrix', () => {
  it('covers the routes of every resource', () => {
    const paths = new Set(operations.map((op) => op.path));
    for (const path of ['/partners', '/events', '/events/batch', '/deals', '/api-keys', '/partners/{id}/payout-details']) {
      expect(paths).toContain(path);
    }
    expect(operations.length).toBeGreaterThanOrEqual(16);
  });

  it('answers 401 without a key, with a bad key and with a revoked key', async () => {
    for (const op of operations) {
      for (const key of [undefined, 'sk_not-a-real-key', 'garbage', keys.revoked]) {
        const res = await call(op.method, op.path, key);
        expect(res.statusCode, `${op.method} ${op.path} with ${key ?? 'no key'}`).toBe(401);
        expect(res.json().code).toBe('unauthorized');
      }
    }
  });

  it('accepts the key as a Bearer token too', async () => {
    const res = await t.as(undefined).inject({ method: 'GET', url: '/partners', headers: { authorization: `Bearer ${keys.read}` } });
    expect(res.statusCode).toBe(200);
  });

  it('answers 403 to a key without the needed scope', async () => {
    for (const op of operations.filter((op) => op.scope !== 'read')) {
      const lower = op.scope === 'admin' ? keys.write : keys.read;
      const res = await call(op.method, op.path, lower);
      expect(res.statusCode, `${op.method} ${op.path}`).toBe(403);
      expect(res.json().code).toBe('forbidden');
    }
  });

  it("answers 404 to a partner-bound key on another partner's data, and 403 on writes", async () => {
    // Without a partner in the path these answer about the key's own partner: its key, its payout lines.
    // Lists a partner-bound key reads scoped to its own partner (periods carry no partner data).
    const ownByDefault = new Set(['GET /api-keys/current', 'GET /exports/payouts.csv', 'GET /payout-periods', 'GET /payout-adjustments/unassigned']);
    for (const op of operations) {
      const res = await call(op.method, op.path, keys.partner);
      const expected = ownByDefault.has(`${op.method} ${op.path}`) ? 200 : op.scope === 'read' ? 404 : 403;
      expect(res.statusCode, `${op.method} ${op.path}`).toBe(expected);
    }
  });

  it('lets a partner-bound key read its own partner', async () => {
    const res = await t.as(keys.partner).get('/partners/mine');
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe('mine');
  });

  it('authenticates before looking anything up: an unknown id still answers 401, not 404', async () => {
    expect((await t.as(undefined).get('/partners/does-not-exist')).statusCode).toBe(401);
    expect((await t.as(keys.write).get('/partners/does-not-exist/payout-details')).statusCode).toBe(403);
  });
});
