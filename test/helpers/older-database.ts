import { Migrator, sql } from 'kysely';
import { createDatabase, dialectOf, type Db, type Dialect } from '../../src/storage/db.js';
import { migrateToLatest, migrationsFor } from '../../src/storage/migrate.js';
import { testConfig } from './app.js';
import { createTestDatabase } from './database.js';

/** A test database as an older version of the service left it, for a migration test. */
export interface OlderDatabase {
  db: Db;
  dialect: Dialect;
  /** Runs the migrations that remain, as the service does when it starts. */
  migrateToLatest: () => Promise<void>;
  /** Closes and deletes it. */
  close: () => Promise<void>;
}

/**
 * A fresh database of the running project's engine, migrated up to `lastMigration` (a name in
 * `migrationsFor`) and no further: the test writes rows as that version did, then migrates them.
 * @example older = await openDatabaseAt('0006-payouts'); ...; await older.migrateToLatest();
 */
export async function openDatabaseAt(lastMigration: string): Promise<OlderDatabase> {
  const database = await createTestDatabase();
  const config = testConfig(database);
  const db = createDatabase(config);
  const dialect = dialectOf(config);
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      await database.drop();
    }
  };
  try {
    // As src/storage/migrate.ts does: Kysely's bookkeeping tables in this schema only.
    const schema = dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s : undefined;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrationsFor(dialect) },
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const { error } = await migrator.migrateTo(lastMigration);
    if (error) throw error;
  } catch (error) {
    await close();
    throw error;
  }
  return {
    db,
    dialect,
    migrateToLatest: async () => {
      await migrateToLatest(db, config.databaseUrl);
    },
    close,
  };
}
