import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.api.post('/partners', { id: 'p1', name: 'Alice', email: 'alice@example.com' });
  await t.api.post('/partners', { id: 'p2', name: 'Bob', email: 'bob@example.com' });
});
afterAll(async () => t.close());

const countEvents = async () => (await t.api.get('/events?limit=1')).json().pagination.total as number;

describe('POST /events', () => {
  it('records a touchpoint for a deal that does not exist yet', async () => {
    const res = await t.api.post('/events', {
      id: 'e1',
      partner_id: 'p1',
      deal_id: 'deal-123',
      touchpoint_type: 'referral',
      timestamp: '2024-01-15T12:00:00+02:00',
      metadata: { source: 'crm', nested: { a: [1, 2] } },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      id: 'e1',
      partner_id: 'p1',
      deal_id: 'deal-123',
      touchpoint_type: 'referral',
      timestamp: '2024-01-15T10:00:00.000Z',
      metadata: { source: 'crm', nested: { a: [1, 2] } },
      created_at: expect.any(String),
    });
  });

  it('defaults the timestamp to now and makes an id', async () => {
    const before = Date.now();
    const res = await t.api.post('/events', { partner_id: 'p2', deal_id: 'deal-123', touchpoint_type: 'demo' });
    expect(res.statusCode).toBe(201);
    expect(res.json().id).toMatch(/^evt_/);
    expect(Date.parse(res.json().timestamp)).toBeGreaterThanOrEqual(before);
    expect(res.json().metadata).toBeNull();
  });

  it('makes ids that sort in the order the events were written', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 8; index++) {
      const res = await t.api.post('/events', { partner_id: 'p1', deal_id: 'deal-ordered', touchpoint_type: 'demo' });
      ids.push(res.json().id as string);
    }
    for (const id of ids) expect(id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers 422 partner_not_found for an unknown partner and stores nothing', async () => {
    const before = await countEvents();
    const res = await t.api.post('/events', { id: 'e-ghost', partner_id: 'ghost', deal_id: 'd', touchpoint_type: 'demo' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'partner_not_found', errors: [{ path: 'partner_id' }] });
    expect(await countEvents()).toBe(before);
  });

  it.each([
    [{ partner_id: 'p1', deal_id: 'd', touchpoint_type: 'lunch' }, 'touchpoint_type'],
    [{ partner_id: 'p1', touchpoint_type: 'demo' }, 'deal_id'],
    [{ partner_id: 'p1', deal_id: 'd', touchpoint_type: 'demo', timestamp: '2024-01-15T10:00:00' }, 'timestamp'],
    [{ partner_id: 'p1', deal_id: 'd', touchpoint_type: 'demo', timestamp: 'yesterday' }, 'timestamp'],
    [{ partner_id: 'p1', deal_id: 'd', touchpoint_type: 'demo', metadata: 'text' }, 'metadata'],
    [{ partner_id: 'p1', deal_id: 'd', touchpoint_type: 'demo', metadata: { blob: 'x'.repeat(17 * 1024) } }, 'metadata'],
    [{ partner_id: 'p1', deal_id: 'd', touchpoint_type: 'demo', extra: true }, 'extra'],
  ])('rejects %j naming %s', async (body, path) => {
    const res = await t.api.post('/events', body);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('idempotent ingestion', () => {
  const body = { id: 'e-idem', partner_id: 'p1', deal_id: 'deal-idem', touchpoint_type: 'closer', timestamp: '2024-02-01T00:00:00Z', metadata: { a: 1, b: 2 } };

  it('answers a replay with 200 and the stored event, storing nothing twice', async () => {
    const first = await t.api.post('/events', body);
    expect(first.statusCode).toBe(201);
    const before = await countEvents();
    const replay = await t.api.post('/events', { ...body, metadata: { b: 2, a: 1 }, timestamp: '2024-02-01T01:00:00+01:00' });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual(first.json());
    expect(await countEvents()).toBe(before);
  });

  it('answers the same id with another body with 409, changing nothing', async () => {
    const res = await t.api.post('/events', { ...body, touchpoint_type: 'demo' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict', errors: [{ path: 'id' }] });
    expect((await t.api.get('/events?deal_id=deal-idem')).json().data[0].touchpoint_type).toBe('closer');
  });

  it('treats an omitted timestamp as part of the body', async () => {
    const noTime = { id: 'e-notime', partner_id: 'p1', deal_id: 'deal-idem', touchpoint_type: 'demo' };
    expect((await t.api.post('/events', noTime)).statusCode).toBe(201);
    expect((await t.api.post('/events', noTime)).statusCode).toBe(200);
    expect((await t.api.post('/events', { ...noTime, timestamp: '2024-01-01T00:00:00Z' })).statusCode).toBe(409);
  });
});

describe('POST /events/batch', () => {
  const item = (n: number, extra: object = {}) => ({
    id: `b-${n}`,
    partner_id: n % 2 ? 'p1' : 'p2',
    deal_id: 'deal-batch',
    touchpoint_type: 'demo',
    timestamp: `2024-03-01T00:00:${String(n % 60).padStart(2, '0')}Z`,
    ...extra,
  });

  it('inserts all and counts replays as duplicates', async () => {
    const first = await t.api.post('/events/batch', { events: [item(1), item(2), item(3)] });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ inserted: 3, duplicates: 0 });
    const again = await t.api.post('/events/batch', { events: [item(3), item(4), item(4)] });
    expect(again.json()).toEqual({ inserted: 1, duplicates: 2 });
  });

  it('stores nothing when one item is invalid, naming its index', async () => {
    const before = await countEvents();
    const res = await t.api.post('/events/batch', { events: [item(10), item(11), item(12, { touchpoint_type: 'nope' }), item(13, { deal_id: undefined })] });
    expect(res.statusCode).toBe(400);
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['events/2/touchpoint_type', 'events/3/deal_id']));
    expect(await countEvents()).toBe(before);
  });

  it('stores nothing when one partner is unknown (422) or one id conflicts (409)', async () => {
    const before = await countEvents();
    const unknown = await t.api.post('/events/batch', { events: [item(20), item(21, { partner_id: 'ghost' })] });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().errors).toEqual([{ path: 'events/1/partner_id', message: expect.any(String) }]);
    const conflict = await t.api.post('/events/batch', { events: [item(22), item(1, { touchpoint_type: 'closer' })] });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().errors[0].path).toBe('events/1/id');
    const inBatch = await t.api.post('/events/batch', { events: [item(23), item(23, { touchpoint_type: 'closer' })] });
    expect(inBatch.statusCode).toBe(409);
    expect(await countEvents()).toBe(before);
  });

  it('accepts 1000 events and refuses 1001 or none', async () => {
    const thousand = Array.from({ length: 1000 }, (_, n) => item(1000 + n));
    expect((await t.api.post('/events/batch', { events: thousand })).json()).toEqual({ inserted: 1000, duplicates: 0 });
    const tooMany = await t.api.post('/events/batch', { events: [...thousand, item(5000)] });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].path).toBe('events');
    expect((await t.api.post('/events/batch', { events: [] })).statusCode).toBe(400);
  });
});

describe('GET /events', () => {
  it('filters by deal, partner, type and an inclusive date range, oldest first', async () => {
    await t.api.post('/events/batch', {
      events: [
        { id: 'f1', partner_id: 'p1', deal_id: 'deal-f', touchpoint_type: 'intro', timestamp: '2024-05-01T00:00:00Z' },
        { id: 'f2', partner_id: 'p2', deal_id: 'deal-f', touchpoint_type: 'demo', timestamp: '2024-05-02T23:59:59.999Z' },
        { id: 'f3', partner_id: 'p1', deal_id: 'deal-f', touchpoint_type: 'closer', timestamp: '2024-05-03T00:00:00Z' },
      ],
    });
    const byDeal = await t.api.get('/events?deal_id=deal-f');
    expect(byDeal.json().data.map((e: { id: string }) => e.id)).toEqual(['f1', 'f2', 'f3']);
    const ranged = await t.api.get('/events?deal_id=deal-f&start_date=2024-05-01&end_date=2024-05-02');
    expect(ranged.json().data.map((e: { id: string }) => e.id)).toEqual(['f1', 'f2']);
    const typed = await t.api.get('/events?deal_id=deal-f&partner_id=p1&touchpoint_type=closer');
    expect(typed.json()).toMatchObject({ data: [{ id: 'f3' }], pagination: { total: 1, limit: 50, offset: 0 } });
  });

  it('rejects malformed filters', async () => {
    expect((await t.api.get('/events?start_date=05/01/2024')).json().errors[0].path).toBe('start_date');
    expect((await t.api.get('/events?touchpoint_type=lunch')).statusCode).toBe(400);
  });
});

describe('DELETE /events/:id', () => {
  it('removes a touchpoint, then 404s', async () => {
    expect((await t.api.delete('/events/f3')).statusCode).toBe(204);
    expect((await t.api.get('/events?deal_id=deal-f')).json().pagination.total).toBe(2);
    expect((await t.api.delete('/events/f3')).statusCode).toBe(404);
  });
});
