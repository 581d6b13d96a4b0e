import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const alice = {
  id: 'p-alice',
  name: 'Alice Partner',
  email: 'Alice@Example.com',
  payout_details: { bank_account: '1234567890', tax_id: '12-3456789', pin: '123' },
};

describe('POST /partners', () => {
  it('creates a partner with masked payout details', async () => {
    const res = await t.api.post('/partners', alice);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: 'p-alice',
      name: 'Alice Partner',
      email: 'Alice@Example.com',
      payout_details: { bank_account: '******7890', tax_id: '******6789', pin: '******3' },
      status: 'active',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: expect.any(String),
    });
  });

  it('makes an id when none is given', async () => {
    const res = await t.api.post('/partners', { name: 'Bob', email: 'bob@example.com' });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toMatch(/^par_[0-9a-f]{32}$/);
    expect(res.json().payout_details).toBeNull();
  });

  it('rejects a duplicate id and a duplicate email in any case with 409, storing nothing', async () => {
    const sameId = await t.api.post('/partners', { ...alice, email: 'other@example.com' });
    expect(sameId.statusCode).toBe(409);
    expect(sameId.json().code).toBe('conflict');
    const sameEmail = await t.api.post('/partners', { id: 'p-alice-2', name: 'A2', email: 'ALICE@example.COM' });
    expect(sameEmail.statusCode).toBe(409);
    expect(sameEmail.json().errors).toEqual([{ path: 'email', message: expect.any(String) }]);
    expect((await t.api.get('/partners/p-alice-2')).statusCode).toBe(404);
  });

  it.each([
    [{ name: 'X' }, 'email'],
    [{ name: '', email: 'x@example.com' }, 'name'],
    [{ name: 'X', email: 'not-an-email' }, 'email'],
    [{ id: 'has space', name: 'X', email: 'x@example.com' }, 'id'],
    [{ id: 'x'.repeat(129), name: 'X', email: 'x@example.com' }, 'id'],
    [{ name: 'X', email: 'x@example.com', payout_details: { account: 42 } }, 'payout_details/account'],
    [{ name: 'X', email: 'x@example.com', nmae: 'typo' }, 'nmae'],
  ])('rejects %j naming %s', async (body, path) => {
    const res = await t.api.post('/partners', body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().code).toBe('validation_failed');
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('GET /partners', () => {
  it('lists with pagination and totals, and searches name or email case-insensitively', async () => {
    for (const n of [1, 2, 3]) await t.api.post('/partners', { id: `p-list-${n}`, name: `Lister ${n}`, email: `list${n}@corp.test` });
    const page = await t.api.get('/partners?limit=2&offset=1&search=LISTER');
    expect(page.statusCode).toBe(200);
    expect(page.json().pagination).toEqual({ limit: 2, offset: 1, total: 3 });
    expect(page.json().data.map((p: { id: string }) => p.id)).toEqual(['p-list-2', 'p-list-3']);
    const byEmail = await t.api.get('/partners?search=corp.test');
    expect(byEmail.json().pagination.total).toBe(3);
    const literal = await t.api.get('/partners?search=%25');
    expect(literal.json().pagination.total).toBe(0);
  });

  it('lists without a search oldest first, with the total on every page and on a page past the end', async () => {
    const all = await t.api.get('/partners?limit=1000');
    expect(all.statusCode).toBe(200);
    const everyone = all.json().data as { id: string; payout_details: unknown; created_at: string; updated_at: string }[];
    const total = all.json().pagination.total as number;
    expect(everyone.length).toBe(total);
    expect(total).toBeGreaterThanOrEqual(5);
    expect(everyone.map((p) => p.created_at)).toEqual([...everyone.map((p) => p.created_at)].sort());
    expect(everyone.find((p) => p.id === 'p-alice')).toMatchObject({ payout_details: { bank_account: '******7890' }, created_at: expect.stringMatching(/Z$/) });
    expect(everyone.find((p) => p.id === 'p-list-1')!.payout_details).toBeNull();
    const middle = await t.api.get('/partners?limit=2&offset=1');
    expect(middle.json()).toEqual({ data: everyone.slice(1, 3), pagination: { limit: 2, offset: 1, total } });
    const past = await t.api.get(`/partners?limit=2&offset=${total}`);
    expect(past.json()).toEqual({ data: [], pagination: { limit: 2, offset: total, total } });
    expect(all.body).not.toContain('1234567890');
  });

  it('masks payout details in lists too', async () => {
    const res = await t.api.get('/partners?search=alice');
    expect(res.json().data[0].payout_details.bank_account).toBe('******7890');
    expect(res.body).not.toContain('1234567890');
  });

  it.each(['limit=0', 'limit=1001', 'offset=-1', 'limit=abc'])('rejects %s', async (query) => {
    const res = await t.api.get(`/partners?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].path).toBe(query.split('=')[0]);
  });
});

describe('GET /partners/:id', () => {
  it('adds stats', async () => {
    const res = await t.api.get('/partners/p-alice');
    expect(res.statusCode).toBe(200);
    expect(res.json().stats).toEqual({ deals: 0, touchpoints: 0, attributed_revenue: {} });
    expect(res.json().payout_details.tax_id).toBe('******6789');
  });

  it('answers 404 as a problem for an unknown partner', async () => {
    const res = await t.api.get('/partners/nobody');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, code: 'not_found', title: expect.any(String), type: expect.any(String) });
  });
});

describe('PATCH /partners/:id', () => {
  it('changes fields, archives, and keeps the partner', async () => {
    const res = await t.api.patch('/partners/p-list-1', { name: 'Renamed', status: 'archived', email: 'NEW@corp.test' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', status: 'archived', email: 'NEW@corp.test' });
    expect((await t.api.get('/partners/p-list-1')).json().status).toBe('archived');
  });

  it('replaces and removes payout details', async () => {
    const replaced = await t.api.patch('/partners/p-list-2', { payout_details: { iban: 'DE89370400440532013000' } });
    expect(replaced.json().payout_details).toEqual({ iban: '******3000' });
    const removed = await t.api.patch('/partners/p-list-2', { payout_details: null });
    expect(removed.json().payout_details).toBeNull();
  });

  it('refuses an email another partner has, changing nothing', async () => {
    const res = await t.api.patch('/partners/p-list-3', { name: 'Changed?', email: 'alice@EXAMPLE.com' });
    expect(res.statusCode).toBe(409);
    expect((await t.api.get('/partners/p-list-3')).json().name).toBe('Lister 3');
  });

  it('rejects unknown fields and bad status, and 404s unknown partners', async () => {
    expect((await t.api.patch('/partners/p-list-3', { status: 'deleted' })).statusCode).toBe(400);
    expect((await t.api.patch('/partners/p-list-3', { id: 'new-id' })).json().errors[0].path).toBe('id');
    expect((await t.api.patch('/partners/nobody', { name: 'X' })).statusCode).toBe(404);
  });

  it('has no DELETE: partners are archived, not deleted', async () => {
    const res = await t.api.delete('/partners/p-alice');
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, PATCH');
  });
});

describe('payout details', () => {
  it('are stored encrypted, not in clear', async () => {
    const row = await t.db.selectFrom('partners').selectAll().where('id', '=', 'p-alice').executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('1234567890');
    expect(row.payout_details_encrypted).toMatch(/^v1:/);
  });

  it('are readable in clear by an admin key only', async () => {
    const clear = await t.api.get('/partners/p-alice/payout-details');
    expect(clear.statusCode).toBe(200);
    expect(clear.json()).toEqual({ partner_id: 'p-alice', payout_details: alice.payout_details });
    expect(clear.headers['cache-control']).toBe('no-store');
    const writeKey = await t.createKey(['write']);
    expect((await t.as(writeKey).get('/partners/p-alice/payout-details')).statusCode).toBe(403);
  });
});
