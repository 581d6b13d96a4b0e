import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabase, type Db } from '../../src/storage/db.js';
import { migrateToLatest, migrationsFor } from '../../src/storage/migrate.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { missingServices } from '../helpers/environment.js';

const skip = missingServices({ postgres: true });
const INSTANCES = 6;

const opened: Db[] = [];
const databases: TestDatabase[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((db) => db.destroy()));
  await Promise.allSettled(databases.splice(0).map((database) => database.drop()));
});

async function freshSchema(): Promise<{ url: string; open: () => Db }> {
  const database = await createTestDatabase('postgres');
  databases.push(database);
  const url = database.env.DATABASE_URL!;
  const open = () => {
    const db = createDatabase({ dbPath: '', databaseUrl: url, databasePoolSize: 2 });
    opened.push(db);
    return db;
  };
  return { url, open };
}

const tablesOf = async (db: Db) =>
  (
    await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = current_schema() order by table_name`.execute(db)
  ).rows.map((row) => row.name);

describe.skipIf(skip)(`PostgreSQL migrations${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it(`applies each migration exactly once when ${INSTANCES} instances start at the same moment`, async () => {
    const { url, open } = await freshSchema();
    const instances = Array.from({ length: INSTANCES }, open);
    const outcomes = await Promise.allSettled(instances.map((db) => migrateToLatest(db, url)));

    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    const applied = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? (outcome.value.results ?? []) : []));
    const names = Object.keys(migrationsFor('postgres'));
    // One instance did the work; the others waited for it and found nothing left to do.
    expect(applied.map((result) => [result.migrationName, result.status])).toEqual(names.map((name) => [name, 'Success']));

    const db = instances[0]!;
    const recorded = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    expect(recorded.rows.map((row) => row.name)).toEqual(names);
    expect(await tablesOf(db)).toEqual(expect.arrayContaining(['api_keys', 'deals', 'events', 'partners', 'settings']));
    expect((await migrateToLatest(db, url)).results).toEqual([]);
  });

  it('migrates a schema of its own even when another schema of the database is already migrated', async () => {
    const first = await freshSchema();
    await migrateToLatest(first.open(), first.url);
    // Kysely finds its bookkeeping tables in any schema unless told which: this one must not be skipped.
    const second = await freshSchema();
    const db = second.open();
    const { results = [] } = await migrateToLatest(db, second.url);
    expect(results.map((result) => result.status)).toEqual(Object.keys(migrationsFor('postgres')).map(() => 'Success'));
    expect(await tablesOf(db)).toEqual(expect.arrayContaining(['deals', 'events', 'kysely_migration', 'partners']));
  });

  it('stops with a clear message when the search_path names no existing schema', async () => {
    const { url } = await freshSchema();
    const missing = new URL(url);
    missing.searchParams.set('options', '-c search_path=no_such_schema');
    const db = createDatabase({ dbPath: '', databaseUrl: missing.toString() });
    opened.push(db);
    await expect(migrateToLatest(db, missing.toString())).rejects.toThrow(/no schema on the search_path exists/);
  });
});
