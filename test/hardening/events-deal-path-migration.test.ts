import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgres } from '../../src/storage/db.js';
import { pageQuery, streamFitInputs } from '../../src/storage/fit-inputs.js';
import { openDatabaseAt, type OlderDatabase } from '../helpers/older-database.js';

/** Migration 0009: the fits' path read never visits the events table, and reads what it read before. */
let older: OlderDatabase;
beforeAll(async () => {
  older = await openDatabaseAt('0008-partner-days');
});
afterAll(() => older.close());

const DAY = 86_400_000;

describe('migration 0009-events-deal-path', () => {
  it('turns the fits page read into an index-only scan of an existing database, paths unchanged', async () => {
    const { db } = older;
    const at = 1_700_000_000_000;
    await db
      .insertInto('partners')
      .values(['p1', 'p2', 'p3'].map((id) => ({ id, name: id, email: `${id}@example.com`, email_normalized: `${id}@example.com`, status: 'active', created_at: at, updated_at: at })))
      .execute();
    const deal = (id: string, status: 'won' | 'lost') => ({ id, amount: 1000, currency: 'USD', closed_at: at, attribution_model: 'markov', status, created_at: at, updated_at: at });
    await db.insertInto('deals').values([deal('d1', 'won'), deal('d2', 'lost'), deal('d3', 'won')]).execute();
    let n = 0;
    const event = (deal_id: string, partner_id: string, daysBefore: number) => ({
      id: `e${++n}`, partner_id, deal_id, touchpoint_type: 'referral', timestamp: at - daysBefore * DAY, request_hash: 'h', created_at: at,
    });
    // Ties on the time keep recording order; d3's only touchpoint is outside a 30-day window.
    await db
      .insertInto('events')
      .values([event('d1', 'p2', 40), event('d1', 'p1', 5), event('d1', 'p3', 5), event('d2', 'p3', 1), event('d1', 'p2', 10), event('d3', 'p1', 60)])
      .execute();
    const read = async (windowMs: number | null) => {
      const lines = [];
      for await (const page of streamFitInputs(db, windowMs)) lines.push(...page.split('\n'));
      return lines.sort();
    };
    const before = [await read(null), await read(30 * DAY)];
    expect(before).toEqual([
      ['Lp3', 'Wp1', 'Wp2,p2,p1,p3'],
      ['Lp3', 'Wp2,p1,p3'],
    ]);

    await older.migrateToLatest();
    expect([await read(null), await read(30 * DAY)]).toEqual(before);
    for (const windowMs of [null, 30 * DAY]) {
      const plan = await planOf(windowMs);
      expect(plan).toMatch(older.dialect === 'postgres' ? /Index Only Scan using events_deal_path/ : /COVERING INDEX events_deal_path/);
      // The index gives each deal's rows in path order: no sort per deal on either engine.
      expect(plan).not.toMatch(older.dialect === 'postgres' ? /Sort/ : /TEMP B-TREE/);
    }
  });
});

/** The plan of a page read; on PostgreSQL with the table's visibility map current and the other plans off, as at scale. */
async function planOf(windowMs: number | null): Promise<string> {
  const { db } = older;
  const { sql: text, parameters } = pageQuery(db, windowMs, '', undefined).compile();
  if (!isPostgres(db)) {
    const rows = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
    return rows.rows.map((row) => row.detail).join('\n');
  }
  await sql`vacuum analyze events`.execute(db);
  return db.transaction().execute(async (trx) => {
    await sql`set local enable_seqscan = off`.execute(trx);
    await sql`set local enable_bitmapscan = off`.execute(trx);
    const rows = await trx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${text}`, [...parameters]));
    return rows.rows.map((row) => row['QUERY PLAN']).join('\n');
  });
}
