import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * Change propagation (docs/architecture.md): the durable queue of deals whose result is out of
 * date, and stored results whose columns are all NOT NULL. The row lock that 0002 kept in a
 * results row with every column nullable now lives in the queue: whoever holds a deal's pending
 * row recomputes it.
 */
export const propagationMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down: (db) => down(db, dialect),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any table being created
const withoutRowid = (table: CreateTableBuilder<any, any>) => table.modifyEnd(sql`without rowid`);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const clustered = dialect === 'sqlite' ? withoutRowid : <T>(table: T) => table;
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';

  await db.schema
    .createTable('attribution_pending')
    .addColumn('deal_id', key, (c) => c.primaryKey())
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
    .$call(clustered)
    .execute();

  await db.schema
    .createTable('attribution_results_next')
    .addColumn('deal_id', key, (c) => c.notNull())
    .addColumn('model', key, (c) => c.notNull())
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('touchpoints', 'bigint', (c) => c.notNull())
    .addColumn('fallback', 'integer', (c) => c.notNull())
    .addColumn('settings_revision', 'bigint', (c) => c.notNull())
    .addColumn('calculated_at', 'bigint', (c) => c.notNull())
    // Named apart from 0002's implicit `attribution_results_pkey`, which lives until the drop below.
    .addPrimaryKeyConstraint('attribution_results_pk', ['deal_id'])
    .$call(clustered)
    .execute();
  // 0002 left a null settings revision on models that ignore the settings: 0 says "any".
  await sql`
    insert into attribution_results_next
      (deal_id, model, currency, amount_minor, closed_at, touchpoints, fallback, settings_revision, calculated_at)
    select deal_id, model, currency, amount, closed_at, touchpoints, fallback, coalesce(settings_revision, 0), calculated_at
    from attribution_results
    where model is not null`.execute(db);
  await db.schema.dropTable('attribution_results').execute();
  await db.schema.alterTable('attribution_results_next').renameTo('attribution_results').execute();
  await db.schema.createIndex('attribution_results_period').on('attribution_results').columns(['currency', 'closed_at']).execute();
  await db.schema.createIndex('attribution_results_closed').on('attribution_results').columns(['closed_at', 'deal_id']).execute();
  // Recomputations take a shared lock on this row (docs/architecture.md), so it must exist.
  await sql`insert into settings (key, value, updated_at) values ('attribution', '{}', 0) on conflict (key) do nothing`.execute(db);
  await db.schema.createIndex('attribution_results_settings').on('attribution_results').columns(['settings_revision']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  await db.schema.dropTable('attribution_pending').execute();
  await db.schema.alterTable('attribution_results').renameTo('attribution_results_next').execute();
  for (const index of ['attribution_results_period', 'attribution_results_closed', 'attribution_results_settings']) {
    await db.schema.dropIndex(index).execute();
  }
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
    .execute();
  await sql`
    insert into attribution_results
    select deal_id, 1, model, currency, amount_minor, closed_at, touchpoints, fallback, settings_revision, calculated_at
    from attribution_results_next`.execute(db);
  await db.schema.dropTable('attribution_results_next').execute();
}
