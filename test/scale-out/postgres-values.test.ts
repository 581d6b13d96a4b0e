import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDeal, listDeals } from '../../src/storage/deals.js';
import { listDealTouchpoints } from '../../src/storage/touchpoints.js';
import { countPartnerActivity, listPartners } from '../../src/storage/partners.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { missingServices } from '../helpers/environment.js';

const skip = missingServices({ postgres: true });

/** What pg hands back as strings unless db.ts says otherwise: bigint money, times and counts. */
describe.skipIf(skip)(`values on PostgreSQL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const FIXED_NOW = Date.parse('2024-03-01T12:00:00.000Z');
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({}, { now: () => FIXED_NOW });
  });
  afterAll(async () => t?.close());

  it('runs on PostgreSQL', () => {
    expect(t.config.databaseUrl).toMatch(/^postgres/);
  });

  it('returns money and timestamps as exact numbers (a deal of 12345678901.23)', async () => {
    const created = await t.api.post('/deals', { id: 'big', amount: 12345678901.23, currency: 'USD', closed_date: '2024-01-15T10:00:00.123Z' });
    expect(created.statusCode).toBe(201);
    const res = await t.api.get('/deals/big');
    expect(res.json()).toMatchObject({ amount: 12345678901.23, closed_date: '2024-01-15T10:00:00.123Z' });

    const row = (await findDeal(t.db, 'big'))!;
    expect(row).toMatchObject({ amount_minor: 1234567890123, closed_at: Date.parse('2024-01-15T10:00:00.123Z'), created_at: FIXED_NOW });
    expect([typeof row.amount_minor, typeof row.closed_at, typeof row.updated_at]).toEqual(['number', 'number', 'number']);
    expect((await listDeals(t.db, { limit: 10, offset: 0 })).total).toBe(1);
  });

  it('returns sequence numbers and counts as numbers', async () => {
    await t.api.post('/partners', { id: 'p1', name: 'Ada', email: 'ada@example.com' });
    for (const type of ['referral', 'demo']) {
      expect((await t.api.post('/events', { partner_id: 'p1', deal_id: 'big', touchpoint_type: type })).statusCode).toBe(201);
    }
    const events = await listDealTouchpoints(t.db, 'big');
    expect(events.map((event) => typeof event.seq)).toEqual(['number', 'number']);
    expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
    expect(events.map((event) => event.timestamp)).toEqual([FIXED_NOW, FIXED_NOW]);
    expect(await countPartnerActivity(t.db, 'p1')).toEqual({ touchpoints: 2, deals: 1 });
  });

  it('orders ids byte by byte, as SQLite does, whatever the database locale', async () => {
    // Same created_at (the clock is fixed), so the id breaks the tie.
    for (const id of ['b-2', 'B1', 'a_1', 'A-3']) {
      expect((await t.api.post('/partners', { id, name: id, email: `${id}@example.com` })).statusCode).toBe(201);
    }
    const { data } = await listPartners(t.db, { limit: 10, offset: 0 });
    expect(data.map((row) => row.id)).toEqual(['A-3', 'B1', 'a_1', 'b-2', 'p1']);
    // This test database may itself be in C order; the columns must be so in any database.
    const { rows } = await sql<{ column: string; collation: string | null }>`
      select table_name || '.' || column_name as column, collation_name as collation
      from information_schema.columns
      where table_schema = current_schema() and column_name in ('id', 'partner_id', 'deal_id')
        and table_name in ('partners', 'events', 'deals', 'api_keys')`.execute(t.db);
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) expect(row, row.column).toMatchObject({ collation: 'C' });
  });

  it('searches with LIKE wildcards taken literally', async () => {
    const res = await t.api.get('/partners?search=a_1');
    expect(res.json().data.map((partner: { id: string }) => partner.id)).toEqual(['a_1']);
    expect((await t.api.get('/partners?search=%25')).json().pagination.total).toBe(0);
  });
});
