import { Migrator, type Kysely, type Migration, type MigrationResultSet, sql } from 'kysely';
import { dialectOf, type Db, type Dialect } from './db.js';
import { initialMigration } from './migrations/0001-initial.js';

/** Every migration, in order. Names sort in the order they must run. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
  };
}

// Any constant works: instances starting together queue on this lock instead of racing
// to create Kysely's own migration tables.
const POSTGRES_MIGRATION_LOCK = 7_420_113;

/**
 * Brings the schema up to date. On PostgreSQL an advisory lock makes concurrent starts safe.
 * @throws the first failing migration's error; nothing after it runs.
 */
export async function migrateToLatest(db: Db, databaseUrl: string | undefined): Promise<MigrationResultSet> {
  const dialect = dialectOf({ databaseUrl });
  if (dialect === 'sqlite') return runMigrations(db, dialect);
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${POSTGRES_MIGRATION_LOCK})`.execute(connection);
    try {
      return await runMigrations(connection, dialect);
    } finally {
      await sql`select pg_advisory_unlock(${POSTGRES_MIGRATION_LOCK})`.execute(connection);
    }
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function runMigrations(db: Kysely<any>, dialect: Dialect): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrationsFor(dialect) } });
  const resultSet = await migrator.migrateToLatest();
  if (resultSet.error) throw resultSet.error;
  return resultSet;
}
