import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remaskOldMask } from '../../src/storage/migrations/0003-payout-masks.js';
import { openDatabaseAt, type OlderDatabase } from '../helpers/older-database.js';

/** Issue 11, point 5: masks stored under the old rule are rewritten under the new one. */
let older: OlderDatabase;
beforeAll(async () => {
  older = await openDatabaseAt('0002-attribution');
});
afterAll(() => older.close());

describe('migration 0003-payout-masks', () => {
  it('rewrites each old mask as the new rule would have made it, showing no more than before', async () => {
    const { db } = older;
    // As the old rule stored them: '*' for every hidden character, the last 4 shown past 4 characters.
    const old = { long: '******7890', five: '*2345', eight: '****EFGH', four: '****', one: '*' };
    await db
      .insertInto('partners')
      .values({
        id: 'p-old', name: 'Old', email: 'old@example.com', email_normalized: 'old@example.com',
        payout_details_encrypted: 'v1:x:y:z', payout_details_masked: JSON.stringify(old), status: 'active', created_at: 1, updated_at: 1,
      })
      .execute();
    await older.migrateToLatest();
    const row = await db.selectFrom('partners').select('payout_details_masked').where('id', '=', 'p-old').executeTakeFirstOrThrow();
    expect(JSON.parse(row.payout_details_masked!)).toEqual({ long: '******7890', five: '******45', eight: '******EFGH', four: '******', one: '******' });
  });

  it.each([
    ['*'.repeat(18) + '3000', '******3000'],
    ['*2345', '******45'],
    ['***', '******'],
  ])('%s → %s', (old, expected) => {
    expect(remaskOldMask(old)).toBe(expected);
  });
});
