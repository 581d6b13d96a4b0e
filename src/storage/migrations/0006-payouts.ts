import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.
// Numbered 0005: 0004 is left to the data-driven fits' migration being written in parallel.

/**
 * Payout periods, their locked lines, the adjustments that correct locked deals later, which
 * period each deal was booked into, and the append-only audit log (docs/payouts.md).
 */
export const payoutsMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down: (db) => down(db, dialect),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';

  await db.schema.alterTable('attribution_pending').addColumn('reason', 'text').execute();

  await db.schema
    .createTable('payout_periods')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('start_date', key, (c) => c.notNull())
    .addColumn('end_date', key, (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('status', key, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_at', 'bigint')
    .addColumn('paid_at', 'bigint')
    .addColumn('payment_reference', 'text')
    .execute();
  await db.schema.createIndex('payout_periods_start').on('payout_periods').columns(['starts_at']).execute();

  await db.schema
    .createTable('payout_deal_bookings')
    .addColumn('deal_id', key, (c) => c.primaryKey())
    .addColumn('period_id', key, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('payout_lines')
    .addColumn('period_id', key, (c) => c.notNull())
    .addColumn('partner_id', key, (c) => c.notNull())
    .addColumn('deal_id', key, (c) => c.notNull())
    .addColumn('partner_name', 'text', (c) => c.notNull())
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('deal_amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('model', key, (c) => c.notNull())
    .addColumn('basis_points', 'bigint', (c) => c.notNull())
    .addColumn('payout_minor', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('payout_lines_pk', ['period_id', 'partner_id', 'deal_id'])
    .execute();
  await db.schema.createIndex('payout_lines_deal').on('payout_lines').columns(['deal_id']).execute();

  await db.schema
    .createTable('payout_adjustments')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('deal_id', key, (c) => c.notNull())
    .addColumn('partner_id', key, (c) => c.notNull())
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('original_period_id', key, (c) => c.notNull())
    // Set when the period containing created_at is locked: from then on the adjustment is frozen there.
    .addColumn('period_id', key)
    .addColumn('partner_name', 'text')
    .execute();
  await db.schema.createIndex('payout_adjustments_deal').on('payout_adjustments').columns(['deal_id']).execute();
  await db.schema.createIndex('payout_adjustments_created').on('payout_adjustments').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('payout_adjustments_period').on('payout_adjustments').columns(['period_id', 'partner_id']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('key_id', key)
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('action', key, (c) => c.notNull())
    .addColumn('entity_type', key, (c) => c.notNull())
    .addColumn('entity_id', key, (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity_type', 'entity_id', 'at']).execute();
  await db.schema.createIndex('audit_log_key').on('audit_log').columns(['key_id', 'at']).execute();

  // Append-only in the database itself, not only by the absence of an endpoint.
  if (dialect === 'sqlite') {
    await sql`create trigger audit_log_no_update before update on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  } else {
    await sql`create function audit_log_append_only() returns trigger language plpgsql as $$ begin raise exception 'audit_log is append-only'; end $$`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log for each row execute function audit_log_append_only()`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  await db.schema.dropTable('audit_log').execute();
  if (dialect === 'postgres') await sql`drop function audit_log_append_only()`.execute(db);
  for (const table of ['payout_adjustments', 'payout_lines', 'payout_deal_bookings', 'payout_periods']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.alterTable('attribution_pending').dropColumn('reason').execute();
}
