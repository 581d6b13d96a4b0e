/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was then, not as src/storage/schema.ts describes it now */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

export const initialMigration = (dialect: Dialect): Migration => ({ up: (db) => up(db, dialect === 'postgres'), down });

async function up(db: Kysely<any>, postgres: boolean): Promise<void> {
  // Ids and codes compare byte by byte on both engines (SQLite's BINARY), whatever locale the
  // PostgreSQL database was created with: the same order for ties, the same uniqueness.
  const key = postgres ? sql`text collate "C"` : 'text';

  await db.schema
    .createTable('partners')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_normalized', key, (c) => c.notNull().unique())
    .addColumn('payout_details_encrypted', 'text')
    .addColumn('payout_details_masked', 'text')
    .addColumn('status', key, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('partners_created_at').on('partners').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('events')
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('id', key, (c) => c.notNull().unique())
    .addColumn('partner_id', key, (c) => c.notNull().references('partners.id'))
    .addColumn('deal_id', key, (c) => c.notNull())
    .addColumn('touchpoint_type', key, (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('metadata', 'text')
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_deal').on('events').columns(['deal_id', 'timestamp']).execute();
  await db.schema.createIndex('events_partner').on('events').columns(['partner_id', 'timestamp']).execute();
  await db.schema.createIndex('events_timestamp').on('events').column('timestamp').execute();

  await db.schema
    .createTable('deals')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', key, (c) => c.notNull())
    .addColumn('closed_at', 'bigint', (c) => c.notNull())
    .addColumn('attribution_model', key, (c) => c.notNull())
    .addColumn('status', key, (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deals_closed_at').on('deals').columns(['closed_at', 'id']).execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', key, (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', key, (c) => c.notNull())
    .addColumn('key_hash', key, (c) => c.notNull().unique())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('partner_id', key, (c) => c.references('partners.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', key, (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['settings', 'api_keys', 'deals', 'events', 'partners']) {
    await db.schema.dropTable(table).execute();
  }
}
