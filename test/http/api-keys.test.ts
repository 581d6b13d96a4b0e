import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.api.post('/partners', { id: 'p1', name: 'Alice', email: 'alice@example.com' });
});
afterAll(async () => t.close());

describe('API keys', () => {
  it('creates a key, shown once, stored only as a hash', async () => {
    const res = await t.api.post('/api-keys', { name: 'CRM sync', scopes: ['write'] });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toEqual({
      id: expect.stringMatching(/^key_/),
      name: 'CRM sync',
      key: expect.stringMatching(/^sk_[A-Za-z0-9_-]{43}$/),
      prefix: created.key.slice(0, 10),
      scopes: ['write'],
      partner_id: null,
      created_at: expect.any(String),
      revoked_at: null,
    });
    const row = await t.db.selectFrom('api_keys').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(created.key);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await t.as(created.key).post('/partners', { name: 'Via key', email: 'via@example.com' })).statusCode).toBe(201);
  });

  it('lists keys without secrets', async () => {
    const res = await t.api.get('/api-keys');
    expect(res.statusCode).toBe(200);
    expect(res.json().pagination.total).toBeGreaterThanOrEqual(2);
    for (const key of res.json().data) {
      expect(key).not.toHaveProperty('key');
      expect(key).not.toHaveProperty('key_hash');
      expect(key.prefix).toMatch(/^sk_.{7}$/);
    }
  });

  it('revokes a key: it fails at once, and revoking again is still 204', async () => {
    const { id, key } = (await t.api.post('/api-keys', { name: 'temp', scopes: ['read'] })).json();
    expect((await t.as(key).get('/partners')).statusCode).toBe(200);
    expect((await t.api.delete(`/api-keys/${id}`)).statusCode).toBe(204);
    expect((await t.as(key).get('/partners')).statusCode).toBe(401);
    expect((await t.api.delete(`/api-keys/${id}`)).statusCode).toBe(204);
    const listed = (await t.api.get('/api-keys?limit=1000')).json().data.find((k: { id: string }) => k.id === id);
    expect(listed.revoked_at).not.toBeNull();
    expect((await t.api.delete('/api-keys/key_nope')).statusCode).toBe(404);
  });

  it('tells a key which key it is, without its secret', async () => {
    const created = (await t.api.post('/api-keys', { name: 'Reporting', scopes: ['read'] })).json();
    const res = await t.as(created.key).get('/api-keys/current');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id: created.id, name: 'Reporting', prefix: created.prefix, scopes: ['read'], partner_id: null, created_at: created.created_at, revoked_at: null,
    });
    expect(res.body).not.toContain(created.key);
    expect((await t.api.get('/api-keys/current')).json().scopes).toEqual(['admin']);
    expect((await t.as(undefined).get('/api-keys/current')).statusCode).toBe(401);
  });

  it('binds a key to a partner: read only, its own partner only', async () => {
    const res = await t.api.post('/api-keys', { name: 'Alice portal', scopes: ['read'], partner_id: 'p1' });
    expect(res.statusCode).toBe(201);
    expect(res.json().partner_id).toBe('p1');
    const bound = res.json().key;
    expect((await t.as(bound).get('/partners/p1')).statusCode).toBe(200);
    expect((await t.as(bound).get('/partners')).statusCode).toBe(404);
    expect((await t.as(bound).post('/events', { partner_id: 'p1', deal_id: 'd', touchpoint_type: 'demo' })).statusCode).toBe(403);
  });

  it('refuses a partner-bound key with write or admin scope, or for an unknown partner', async () => {
    const writeBound = await t.api.post('/api-keys', { name: 'x', scopes: ['read', 'write'], partner_id: 'p1' });
    expect(writeBound.statusCode).toBe(400);
    expect(writeBound.json().errors[0].path).toBe('scopes');
    const ghost = await t.api.post('/api-keys', { name: 'x', scopes: ['read'], partner_id: 'ghost' });
    expect(ghost.statusCode).toBe(422);
    expect(ghost.json().code).toBe('partner_not_found');
  });

  it.each([
    [{ scopes: ['read'] }, 'name'],
    [{ name: 'x', scopes: [] }, 'scopes'],
    [{ name: 'x', scopes: ['root'] }, 'scopes/0'],
    [{ name: 'x', scopes: ['read'], expires: 'never' }, 'expires'],
  ])('rejects %j naming %s', async (body, path) => {
    const res = await t.api.post('/api-keys', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('admin implies write implies read', async () => {
    const write = await t.createKey(['write']);
    expect((await t.as(write).get('/partners')).statusCode).toBe(200);
    expect((await t.as(write).get('/api-keys')).statusCode).toBe(403);
  });
});
