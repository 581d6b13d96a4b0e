import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

interface AuditEntryBody {
  id: string;
  at: string;
  key_id: string | null;
  key_name: string;
  action: string;
  entity_type: string;
  entity_id: string;
  changes: Record<string, { old: unknown; new: unknown }>;
}

let t: TestApp;
let clock = Date.parse('2024-03-01T10:00:00Z');
let adminKeyId: string;
const tick = () => (clock += 60_000);
const entries = async (query = '') => {
  const res = await t.api.get(`/audit-log${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ data: AuditEntryBody[]; pagination: { total: number } }>();
};

beforeAll(async () => {
  t = await startTestApp({}, { now: () => clock });
  adminKeyId = (await t.api.get('/api-keys/current')).json<{ id: string }>().id;
});
afterAll(async () => t.close());

describe('the audit log', () => {
  it('records a partner with its payout details masked, and who created it', async () => {
    tick();
    const res = await t.api.post('/partners', { id: 'p1', name: 'Alice', email: 'a@example.com', payout_details: { iban: 'DE89370400440532013000' } });
    expect(res.statusCode).toBe(201);
    const masked = res.json<{ payout_details: { iban: string } }>().payout_details;
    expect(masked.iban).toMatch(/^\*+3000$/);
    const [entry] = (await entries('?entity_type=partner&entity_id=p1')).data;
    expect(entry).toMatchObject({
      key_id: adminKeyId,
      key_name: 'test admin',
      action: 'create',
      entity_type: 'partner',
      entity_id: 'p1',
      at: new Date(clock).toISOString(),
      changes: { name: { old: null, new: 'Alice' }, payout_details: { old: null, new: masked }, status: { old: null, new: 'active' } },
    });
    tick();
    await t.api.patch('/partners/p1', { payout_details: { iban: 'FR7630006000011234567890189' }, status: 'archived' });
    const [update] = (await entries('?entity_type=partner&entity_id=p1')).data;
    expect(update).toMatchObject({ action: 'archive', changes: { status: { old: 'active', new: 'archived' }, payout_details: { old: masked, new: { iban: expect.stringMatching(/^\*+0189$/) } } } });
    expect((await t.api.get('/audit-log?limit=1000')).body).not.toMatch(/DE8937|FR7630/);
  });

  it('records deals with the old and new value of each changed field, and events created and removed', async () => {
    tick();
    await t.api.patch('/partners/p1', { status: 'active' });
    await t.api.post('/deals', { id: 'd1', amount: 100, closed_date: '2024-02-10T00:00:00Z' });
    tick();
    await t.api.patch('/deals/d1', { amount: 120.5, status: 'lost' });
    const [update, create] = (await entries('?entity_type=deal&entity_id=d1')).data;
    expect(create).toMatchObject({ action: 'create', changes: { amount: { old: null, new: 100 }, currency: { old: null, new: 'USD' } } });
    expect(update).toMatchObject({ action: 'update', changes: { amount: { old: 100, new: 120.5 }, status: { old: 'won', new: 'lost' } } });
    expect(Object.keys(update!.changes).sort()).toEqual(['amount', 'status']);

    const event = (await t.api.post('/events', { id: 'e1', partner_id: 'p1', deal_id: 'd1', touchpoint_type: 'demo', timestamp: '2024-02-01T00:00:00Z' })).json();
    await t.api.post('/events/batch', { events: [{ id: 'e2', partner_id: 'p1', deal_id: 'd1', touchpoint_type: 'intro' }, { id: 'e1', partner_id: 'p1', deal_id: 'd1', touchpoint_type: 'demo', timestamp: '2024-02-01T00:00:00Z' }] });
    await t.api.delete(`/events/${event.id as string}`);
    const events = (await entries('?entity_type=event')).data.map((entry) => [entry.action, entry.entity_id]);
    expect(events).toEqual(expect.arrayContaining([['create', 'e1'], ['create', 'e2'], ['delete', 'e1']]));
    expect(events).toHaveLength(3);
  });

  it("lists a batch's entries, all of one instant, newest first in the order they were written", async () => {
    tick();
    const ids = Array.from({ length: 12 }, (_, index) => `order-${index}`);
    const res = await t.api.post('/events/batch', { events: ids.map((id) => ({ id, partner_id: 'p1', deal_id: 'd-order', touchpoint_type: 'demo' })) });
    expect(res.statusCode, res.body).toBe(201);
    const listed = (await entries('?entity_type=event&limit=12')).data;
    expect(new Set(listed.map((entry) => entry.at))).toEqual(new Set([new Date(clock).toISOString()]));
    expect(listed.map((entry) => entry.entity_id)).toEqual([...ids].reverse());
  });

  it('records keys without their secret, settings, and periods', async () => {
    tick();
    const created = (await t.api.post('/api-keys', { name: 'finance', scopes: ['read'] })).json<{ id: string; key: string }>();
    await t.api.delete(`/api-keys/${created.id}`);
    const keyEntries = (await entries(`?entity_type=api_key&entity_id=${created.id}`)).data;
    expect(keyEntries.map((entry) => entry.action)).toEqual(['revoke', 'create']);
    expect(keyEntries[1]!.changes).toEqual({ name: { old: null, new: 'finance' }, scopes: { old: null, new: ['read'] } });
    const everything = (await t.api.get('/audit-log?limit=1000')).body;
    expect(everything).not.toContain(created.key);
    expect(everything).not.toContain(created.key.slice(3, 20));

    await t.api.patch('/settings', { half_life_days: 14 });
    const [settings] = (await entries('?entity_type=settings')).data;
    expect(settings!.changes).toEqual({ half_life_days: { old: 7, new: 14 } });

    const period = (await t.api.post('/payout-periods', { start_date: '2024-02-01', end_date: '2024-02-29' })).json<{ id: string }>();
    await t.api.post(`/payout-periods/${period.id}/lock`);
    await t.api.post(`/payout-periods/${period.id}/paid`, { payment_reference: 'REF-1' });
    const periodEntries = (await entries(`?entity_type=payout_period&entity_id=${period.id}`)).data;
    expect(periodEntries.map((entry) => entry.action)).toEqual(['paid', 'lock', 'create']);
    expect(periodEntries[0]!.changes).toMatchObject({ payment_reference: { old: null, new: 'REF-1' } });
  });

  it('leaves no entry for a write that failed', async () => {
    const before = (await entries()).pagination.total;
    expect((await t.api.post('/deals', { id: 'd1', amount: 5 })).statusCode).toBe(409);
    expect((await t.api.post('/partners', { name: 'Bob', email: 'A@example.com' })).statusCode).toBe(409);
    expect((await t.api.post('/events', { partner_id: 'nobody', deal_id: 'd1', touchpoint_type: 'demo' })).statusCode).toBe(422);
    expect((await t.api.patch('/settings', { role_weights: { closer: 0, referral: 0, demo: 0, intro: 0, support: 0, other: 0 } })).statusCode).toBe(400);
    expect((await entries()).pagination.total).toBe(before);
  });

  it('filters by key, entity and date, pages newest first, and is for admins only', async () => {
    const writer = await t.createKey(['write']);
    const writerId = (await t.as(writer).get('/api-keys/current')).json<{ id: string }>().id;
    await t.as(writer).post('/deals', { id: 'by-writer', amount: 1 });
    const mine = await entries(`?key_id=${writerId}`);
    expect(mine.data.map((entry) => [entry.entity_id, entry.key_name])).toEqual([['by-writer', 'test write']]);

    const all = await entries('?limit=1000');
    const times = all.data.map((entry) => entry.at);
    expect([...times].sort().reverse()).toEqual(times);
    const page = await entries('?limit=2&offset=1');
    expect(page.data.map((entry) => entry.id)).toEqual(all.data.slice(1, 3).map((entry) => entry.id));
    expect(page.pagination.total).toBe(all.pagination.total);

    const march = await entries('?start_date=2024-03-01&end_date=2024-03-01T10:01:00Z');
    expect(march.data.every((entry) => entry.at <= '2024-03-01T10:01:00.000Z')).toBe(true);
    expect(march.data.length).toBeGreaterThan(0);

    expect((await t.as(writer).get('/audit-log')).statusCode).toBe(403);
    expect((await t.api.get('/audit-log?entity_type=nope')).statusCode).toBe(400);
    expect((await t.api.get('/audit-log?start_date=2024-03-02&end_date=2024-03-01')).json().errors[0].path).toBe('end_date');
  });

  it('cannot be changed or deleted, not even by SQL', async () => {
    await expect(t.db.updateTable('audit_log').set({ key_name: 'someone else' }).execute()).rejects.toThrow(/append-only/);
    await expect(t.db.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    expect((await entries()).pagination.total).toBeGreaterThan(0);
  });
});
