import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * The fits' queue of changes ordered by a change number instead of a claimed flag: a refit claims
 * every change numbered up to the last one given out (one read instead of an update of every
 * queued row, 200,000 of them after a bulk load), and clears them by number. PostgreSQL numbers
 * changes from a sequence; SQLite (one writer) from a one-row counter.
 */
export const fitChangeOrderMigration = (dialect: Dialect): Migration => ({
  up: (db) => up(db, dialect),
  down: (db) => down(db, dialect),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function up(db: Kysely<any>, dialect: Dialect): Promise<void> {
  // Rows queued before this migration get number 0: the next refit claims them.
  await db.schema.alterTable('attribution_fit_pending').addColumn('change_seq', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('attribution_fit_pending').dropColumn('claimed').execute();
  if (dialect === 'postgres') {
    await sql`create sequence attribution_fit_change_seq`.execute(db);
  } else {
    await db.schema.createTable('attribution_fit_change_counter').addColumn('last_seq', 'bigint', (c) => c.notNull()).execute();
    await db.insertInto('attribution_fit_change_counter').values({ last_seq: 0 }).execute();
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see up()
async function down(db: Kysely<any>, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`drop sequence attribution_fit_change_seq`.execute(db);
  else await db.schema.dropTable('attribution_fit_change_counter').execute();
  await db.schema.alterTable('attribution_fit_pending').addColumn('claimed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('attribution_fit_pending').dropColumn('change_seq').execute();
}
