import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeNextFit } from '../../src/storage/attribution-fits.js';
import { openDatabaseAt, type OlderDatabase } from '../helpers/older-database.js';

/** Migration 0010: PostgreSQL compresses stored fits with lz4 from then on; every fit reads back as it was written. */
let older: OlderDatabase;
beforeAll(async () => {
  older = await openDatabaseAt('0009-events-deal-path');
});
afterAll(() => older.close());

// Large and repetitive enough to be compressed out of line, as every real fit is.
const fitJson = (version: number) => JSON.stringify({ version, weights: Array.from({ length: 20_000 }, (_, i) => [`partner_${i % 500}`, (i * 7919) % 1000]) });
const fitRow = (version: number) => ({ model: 'markov', version, fitted_at: 1_700_000_000_000 + version, lookback_days: null, won_deals: 3, lost_deals: 1, fit_json: fitJson(version) });

describe('migration 0010-fit-json-lz4', () => {
  it('keeps the stored fit readable, and stores the next one with lz4 where the server has it', async () => {
    const { db, dialect } = older;
    await storeNextFit(db, fitRow(1));
    await older.migrateToLatest();
    const readBack = async () => (await db.selectFrom('attribution_fits').select(['version', 'fit_json']).where('model', '=', 'markov').executeTakeFirstOrThrow());
    expect(await readBack()).toEqual({ version: 1, fit_json: fitJson(1) });
    await storeNextFit(db, fitRow(2));
    expect(await readBack()).toEqual({ version: 2, fit_json: fitJson(2) });
    // PostgreSQL 13 has no per-column compression: the migration leaves it as it was.
    if (dialect !== 'postgres' || (await serverVersion()) < 140_000) return;

    const lz4 = await serverHasLz4();
    const column = await sql<{ compression: string }>`
      select attcompression as compression from pg_attribute
      where attrelid = 'attribution_fits'::regclass and attname = 'fit_json'`.execute(db);
    expect(column.rows[0]?.compression).toBe(lz4 ? 'l' : '');
    const stored = await sql<{ method: string | null }>`select pg_column_compression(fit_json) as method from attribution_fits where model = 'markov'`.execute(db);
    expect(stored.rows[0]?.method).toBe(lz4 ? 'lz4' : 'pglz');
  });
});

/** Whether this PostgreSQL server was built with lz4 (the migration keeps pglz where it was not). */
async function serverHasLz4(): Promise<boolean> {
  try {
    await older.db.transaction().execute((trx) => sql`set local default_toast_compression = 'lz4'`.execute(trx));
    return true;
  } catch {
    return false;
  }
}

const serverVersion = async () => Number((await sql<{ v: string }>`select current_setting('server_version_num') as v`.execute(older.db)).rows[0]!.v);
