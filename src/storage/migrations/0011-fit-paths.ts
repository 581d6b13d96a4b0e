import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * Each deal's path as the data-driven fits read it, kept by the recomputation that keeps its
 * result (docs/architecture.md, "Fit paths"): a refit reads one row per deal instead of
 * gathering every touchpoint again. Starts empty: until a deal is recomputed (or
 * `npm run cli -- rebuild` runs) the refit reads that deal's touchpoints, as before.
 */
export const fitPathsMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const key = dialect === 'postgres' ? sql`text collate "C"` : 'text';
  const create = db.schema
    .createTable('attribution_fit_paths')
    .addColumn('deal_id', key, (c) => c.primaryKey())
    .addColumn('won', 'integer', (c) => c.notNull())
    .addColumn('window_ms', 'bigint')
    .addColumn('path', 'text', (c) => c.notNull());
  await (dialect === 'sqlite' ? create.modifyEnd(sql`without rowid`) : create).execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attribution_fit_paths').execute();
}
