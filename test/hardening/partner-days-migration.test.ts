import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabaseAt, type OlderDatabase } from '../helpers/older-database.js';

/** Migration 0008 fills the daily and yearly partner rollups from what an existing database already holds. */
let older: OlderDatabase;
beforeAll(async () => {
  older = await openDatabaseAt('0006-payouts');
});
afterAll(() => older.close());

describe('migration 0008-partner-days', () => {
  it('adds up the stored shares per currency, UTC day and partner, and the monthly rollup per year, before 1970 too', async () => {
    const { db } = older;
    const share = (deal_id: string, partner_id: string, currency: string, closed: string, payout: number, basis_points: number) => ({
      deal_id, partner_id, currency, closed_at: Date.parse(closed), payout, basis_points, touchpoints: 1, roles: 'referral',
    });
    await db
      .insertInto('attribution_shares')
      .values([
        share('d1', 'p1', 'USD', '2024-02-15T00:00:00.000Z', 1_000, 5_000),
        share('d1', 'p2', 'USD', '2024-02-15T00:00:00.000Z', 1_000, 5_000),
        share('d2', 'p1', 'USD', '2024-02-15T23:59:59.999Z', 250, 10_000),
        share('d3', 'p1', 'USD', '2024-02-16T00:00:00.000Z', 7, 10_000),
        share('d4', 'p1', 'EUR', '2024-02-15T12:00:00.000Z', 3, 10_000),
        share('d5', 'p1', 'USD', '1969-12-31T23:59:59.999Z', 11, 10_000),
        share('d6', 'p1', 'USD', '1969-12-31T00:00:00.000Z', 13, 10_000),
      ])
      .execute();
    const monthOf = (iso: string) => { const date = new Date(iso); return date.getUTCFullYear() * 12 + date.getUTCMonth(); };
    await db
      .insertInto('analytics_partner_months')
      .values([
        { currency: 'USD', month: monthOf('2024-02-01'), partner_id: 'p1', deals: 3, payout: 1_257, basis_points: 25_000 },
        { currency: 'USD', month: monthOf('2024-12-01'), partner_id: 'p1', deals: 1, payout: 5, basis_points: 100 },
        { currency: 'USD', month: monthOf('2024-02-01'), partner_id: 'p2', deals: 1, payout: 1_000, basis_points: 5_000 },
        { currency: 'USD', month: monthOf('1969-12-01'), partner_id: 'p1', deals: 2, payout: 24, basis_points: 20_000 },
        { currency: 'EUR', month: monthOf('2024-02-01'), partner_id: 'p1', deals: 1, payout: 3, basis_points: 10_000 },
      ])
      .execute();
    await older.migrateToLatest();
    const years = await db.selectFrom('analytics_partner_years').selectAll().orderBy('currency').orderBy('year').orderBy('partner_id').execute();
    expect(years.map((row) => [row.currency, Number(row.year), row.partner_id, Number(row.deals), Number(row.payout), Number(row.basis_points)])).toEqual([
      ['EUR', 2024, 'p1', 1, 3, 10_000],
      ['USD', 1969, 'p1', 2, 24, 20_000],
      ['USD', 2024, 'p1', 4, 1_262, 25_100],
      ['USD', 2024, 'p2', 1, 1_000, 5_000],
    ]);
    const rows = await db.selectFrom('analytics_partner_days').selectAll().orderBy('currency').orderBy('day').orderBy('partner_id').execute();
    const day = (iso: string) => Date.parse(iso) / 86_400_000;
    expect(rows.map((row) => [row.currency, Number(row.day), row.partner_id, Number(row.deals), Number(row.payout), Number(row.basis_points)])).toEqual([
      ['EUR', day('2024-02-15'), 'p1', 1, 3, 10_000],
      ['USD', day('1969-12-31'), 'p1', 2, 24, 20_000],
      ['USD', day('2024-02-15'), 'p1', 2, 1_250, 15_000],
      ['USD', day('2024-02-15'), 'p2', 1, 1_000, 5_000],
      ['USD', day('2024-02-16'), 'p1', 1, 7, 10_000],
    ]);
  });
});
