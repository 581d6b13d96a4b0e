import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createDeal, createPartners, jan, touch } from './fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await createPartners(t.api, ['p1', 'p2']);
  await touch(t.api, 'deal-1', [
    ['p1', 'referral', jan(10)],
    ['p2', 'demo', jan(12)],
  ]);
  await createDeal(t.api, { id: 'deal-1', amount: 1000, closed_date: jan(20) });
});
afterAll(async () => t.close());

describe('the hot reads, prepared once per connection (PostgreSQL)', () => {
  it('keep answering the same after a migration adds a column to the tables they read', async () => {
    const read = () => Promise.all(Array.from({ length: 12 }, () => t.api.get('/attribution/deal-1')));
    const before = await read();
    expect(before.map((res) => res.statusCode)).toEqual(before.map(() => 200));

    await sql`alter table deals add column note text`.execute(t.db);
    await sql`alter table api_keys add column note text`.execute(t.db);

    const after = await read();
    expect(after.map((res) => res.statusCode)).toEqual(after.map(() => 200));
    expect(after.map((res) => res.json())).toEqual(before.map((res) => res.json()));
  });
});
