import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * Partner shares per UTC day and per UTC year, beside the monthly rollup: a period reads its
 * whole years from the yearly one (all time is one row per partner and year, not per month) and
 * the whole days of its partial months from the daily one (about one row per partner and day,
 * not per share). Both are filled from what the database holds, so an existing one answers the
 * same as before.
 */
export const partnerDaysMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down,
});

const MS_PER_DAY = 86_400_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  // The monthly rollup's columns (0002) under another bucket name.
  const tables = [
    ['analytics_partner_days', 'day'],
    ['analytics_partner_years', 'year'],
  ] as const;
  for (const [table, bucket] of tables) {
    const create = db.schema
      .createTable(table)
      .addColumn('currency', key, (c) => c.notNull())
      .addColumn(bucket, 'bigint', (c) => c.notNull())
      .addColumn('partner_id', key, (c) => c.notNull())
      .addColumn('deals', 'bigint', (c) => c.notNull())
      .addColumn('payout', 'bigint', (c) => c.notNull())
      .addColumn('basis_points', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['currency', bucket, 'partner_id']);
    await (dialect === 'sqlite' ? create.modifyEnd(sql`without rowid`) : create).execute();
  }
  // Month numbers are year × 12 + month index, so whole months add up to their year exactly.
  const year = sql`(month - ((month % 12) + 12) % 12) / 12`;
  await sql`
    insert into analytics_partner_years (currency, year, partner_id, deals, payout, basis_points)
    select currency, ${year}, partner_id, sum(deals), sum(payout), sum(basis_points)
    from analytics_partner_months
    group by currency, ${year}, partner_id`.execute(db);
  // The epoch day, rounded down for times before 1970 too, in integers on both engines (their `/`
  // and `%` truncate towards zero).
  const day = sql`(closed_at - ((closed_at % ${sql.lit(MS_PER_DAY)}) + ${sql.lit(MS_PER_DAY)}) % ${sql.lit(MS_PER_DAY)}) / ${sql.lit(MS_PER_DAY)}`;
  await sql`
    insert into analytics_partner_days (currency, day, partner_id, deals, payout, basis_points)
    select currency, ${day}, partner_id, count(*), sum(payout), sum(basis_points)
    from attribution_shares
    group by currency, ${day}, partner_id`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('analytics_partner_days').execute();
  await db.schema.dropTable('analytics_partner_years').execute();
}
