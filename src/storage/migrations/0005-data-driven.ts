import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * The data-driven models (docs/models.md, "Wiring the fits into the service"): one stored fit per
 * model with its version, the deals whose changes the current fits have not seen yet, and the fit
 * version each stored result was computed with (0 for the models that need no fit).
 */
export const dataDrivenMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down: (db) => down(db),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';

  await db.schema
    .createTable('attribution_fits')
    .addColumn('model', key, (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('fitted_at', 'bigint', (c) => c.notNull())
    // null: fitted without a lookback window.
    .addColumn('lookback_days', 'double precision')
    .addColumn('won_deals', 'bigint', (c) => c.notNull())
    .addColumn('lost_deals', 'bigint', (c) => c.notNull())
    .addColumn('fit_json', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('attribution_fit_pending')
    .addColumn('deal_id', key, (c) => c.primaryKey())
    .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
    // 1 while a refit that started after this change is running; a new change sets it back to 0.
    .addColumn('claimed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .alterTable('attribution_results')
    .addColumn('fit_version', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // Readers of aggregates look for data-driven results behind the current fit.
  await db.schema.createIndex('attribution_results_fit').on('attribution_results').columns(['model', 'fit_version']).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('attribution_results_fit').execute();
  await db.schema.alterTable('attribution_results').dropColumn('fit_version').execute();
  await db.schema.dropTable('attribution_fit_pending').execute();
  await db.schema.dropTable('attribution_fits').execute();
}
