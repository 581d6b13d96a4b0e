import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/** Stored attribution results, their per-partner shares, and the rollups analytics reads. */
export const attributionMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down,
});

/**
 * On SQLite a table keyed by text or several columns is otherwise a rowid table plus a separate
 * primary-key index: one B-tree more to write on every change. PostgreSQL has no such option.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table being created
const withoutRowid = (table: CreateTableBuilder<any, any>) => table.modifyEnd(sql`without rowid`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const clustered = dialect === 'sqlite' ? withoutRowid : <T>(table: T) => table;
  // Ids and codes compare byte by byte, like 0001's columns they are joined with: on PostgreSQL a
  // join between columns of different collations cannot use the primary key's index.
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  await db.schema
    .createTable('attribution_results')
    .addColumn('deal_id', key, (c) => c.primaryKey())
    .addColumn('revision', 'bigint', (c) => c.notNull())
    .addColumn('model', key)
    .addColumn('currency', key)
    .addColumn('amount', 'bigint')
    .addColumn('closed_at', 'bigint')
    .addColumn('touchpoints', 'bigint')
    .addColumn('fallback', 'integer')
    .addColumn('settings_revision', 'bigint')
    .addColumn('calculated_at', 'bigint')
    .$call(clustered)
    .execute();
  // Partial: the rows of deal ids that have touchpoints but no (won) deal stay out of them, so
  // recording touchpoints ahead of their deal writes no index pages here.
  await db.schema
    .createIndex('attribution_results_period')
    .on('attribution_results')
    .columns(['currency', 'closed_at'])
    .where(sql.ref('model'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('attribution_results_closed')
    .on('attribution_results')
    .columns(['closed_at', 'deal_id'])
    .where(sql.ref('model'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('attribution_results_settings')
    .on('attribution_results')
    .column('settings_revision')
    .where(sql.ref('settings_revision'), 'is not', null)
    .execute();

  await db.schema
    .createTable('attribution_shares')
    .addColumn('deal_id', key, (c) => c.notNull())
    .addColumn('partner_id', key, (c) => c.notNull())
    .addColumn('payout', 'bigint', (c) => c.notNull())
    .addColumn('basis_points', 'bigint', (c) => c.notNull())
    .addColumn('touchpoints', 'bigint', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('attribution_shares_pk', ['deal_id', 'partner_id'])
    .$call(clustered)
    .execute();
  // Covers the partner ranking's partial months without touching the table.
  await db.schema
    .createIndex('attribution_shares_period')
    .on('attribution_shares')
    .columns(['currency', 'closed_at', 'partner_id', 'payout', 'basis_points'])
    .execute();
  // Covering too: one partner's figures never touch the table, and SQLite prefers it to the above.
  await db.schema
    .createIndex('attribution_shares_partner')
    .on('attribution_shares')
    .columns(['partner_id', 'currency', 'closed_at', 'payout', 'basis_points'])
    .execute();

  await db.schema
    .createTable('analytics_deal_days')
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('model', key, (c) => c.notNull())
    .addColumn('deals', 'bigint', (c) => c.notNull())
    .addColumn('revenue', 'bigint', (c) => c.notNull())
    .addColumn('attributed_revenue', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_deal_days_pk', ['currency', 'day', 'model'])
    .$call(clustered)
    .execute();

  await db.schema
    .createTable('analytics_partner_months')
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('month', 'bigint', (c) => c.notNull())
    .addColumn('partner_id', key, (c) => c.notNull())
    .addColumn('deals', 'bigint', (c) => c.notNull())
    .addColumn('payout', 'bigint', (c) => c.notNull())
    .addColumn('basis_points', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_partner_months_pk', ['currency', 'month', 'partner_id'])
    .$call(clustered)
    .execute();

  await db.schema
    .createTable('analytics_touchpoint_days')
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('touchpoint_type', key, (c) => c.notNull())
    .addColumn('touchpoints', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('analytics_touchpoint_days_pk', ['day', 'touchpoint_type'])
    .$call(clustered)
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'analytics_touchpoint_days',
    'analytics_partner_months',
    'analytics_deal_days',
    'attribution_shares',
    'attribution_results',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
