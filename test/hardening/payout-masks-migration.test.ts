import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dialectOf, type Db } from '../../src/storage/db.js';
import { migrateToLatest, migrationsFor } from '../../src/storage/migrate.js';
import { remaskOldMask } from '../../src/storage/migrations/0003-payout-masks.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

/** Issue 11, point 5: masks stored under the old rule are rewritten under the new one. */
let database: TestDatabase;
let db: Db;
let databaseUrl: string | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  const config = testConfig(database);
  databaseUrl = config.databaseUrl;
  db = createDatabase(config);
});
afterAll(async () => {
  await db.destroy();
  await database.drop();
});

describe('migration 0003-payout-masks', () => {
  it('rewrites each old mask as the new rule would have made it, showing no more than before', async () => {
    const dialect = dialectOf({ databaseUrl });
    const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrationsFor(dialect) },
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    expect((await migrator.migrateTo('0002-attribution')).error).toBeUndefined();
    // As the old rule stored them: '*' for every hidden character, the last 4 shown past 4 characters.
    const old = { long: '******7890', five: '*2345', eight: '****EFGH', four: '****', one: '*' };
    await db
      .insertInto('partners')
      .values({
        id: 'p-old', name: 'Old', email: 'old@example.com', email_normalized: 'old@example.com',
        payout_details_encrypted: 'v1:x:y:z', payout_details_masked: JSON.stringify(old), status: 'active', created_at: 1, updated_at: 1,
      })
      .execute();
    await migrateToLatest(db, databaseUrl);
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
