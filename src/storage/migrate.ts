import { Migrator, type Kysely, type Migration, type MigrationResultSet, sql } from 'kysely';
import { dialectOf, type Db, type Dialect } from './db.js';
import { initialMigration } from './migrations/0001-initial.js';
import { attributionMigration } from './migrations/0002-attribution.js';
import { payoutMasksMigration } from './migrations/0003-payout-masks.js';
import { propagationMigration } from './migrations/0004-propagation.js';
import { dataDrivenMigration } from './migrations/0005-data-driven.js';
import { payoutsMigration } from './migrations/0006-payouts.js';
import { fitChangeOrderMigration } from './migrations/0007-fit-change-order.js';
import { partnerDaysMigration } from './migrations/0008-partner-days.js';
import { eventsDealPathMigration } from './migrations/0009-events-deal-path.js';
import { fitJsonLz4Migration } from './migrations/0010-fit-json-lz4.js';
import { fitPathsMigration } from './migrations/0011-fit-paths.js';

/** Every migration, in order. Names sort in the order they must run. */
export function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-attribution': attributionMigration(dialect),
    '0003-payout-masks': payoutMasksMigration(),
    '0004-propagation': propagationMigration(dialect),
    '0005-data-driven': dataDrivenMigration(dialect),
    '0006-payouts': payoutsMigration(dialect),
    '0007-fit-change-order': fitChangeOrderMigration(dialect),
    '0008-partner-days': partnerDaysMigration(dialect),
    '0009-events-deal-path': eventsDealPathMigration(),
    '0010-fit-json-lz4': fitJsonLz4Migration(dialect),
    '0011-fit-paths': fitPathsMigration(dialect),
  };
}

// Any constant works: instances starting together queue on this lock (one per schema) instead
// of racing to create Kysely's own migration tables.
const POSTGRES_MIGRATION_LOCK = 7_420_113;

/**
 * Brings the schema up to date. On PostgreSQL an advisory lock makes concurrent starts safe:
 * the first instance migrates, the others wait for it and then find nothing to do.
 * @throws the first failing migration's error; nothing after it runs.
 */
export async function migrateToLatest(db: Db, databaseUrl: string | undefined): Promise<MigrationResultSet> {
  const dialect = dialectOf({ databaseUrl });
  if (dialect === 'sqlite') return db.connection().execute((connection) => migrateSqlite(connection));
  return db.connection().execute(async (connection) => {
    const schema = await currentSchema(connection);
    await sql`select pg_advisory_lock(${POSTGRES_MIGRATION_LOCK}, hashtext(${schema}))`.execute(connection);
    try {
      return await runMigrations(connection, dialect, schema);
    } finally {
      await sql`select pg_advisory_unlock(${POSTGRES_MIGRATION_LOCK}, hashtext(${schema}))`.execute(connection);
    }
  });
}

/**
 * Kysely runs SQLite migrations without a transaction or a lock. One write transaction around
 * the whole run makes a failed migration leave nothing half-applied, and makes a second process
 * starting on the same file wait (busy_timeout) and then find nothing to do.
 */
async function migrateSqlite(connection: Db): Promise<MigrationResultSet> {
  await sql`begin immediate`.execute(connection);
  try {
    const resultSet = await runMigrations(connection, 'sqlite', undefined);
    await sql`commit`.execute(connection);
    return resultSet;
  } catch (error) {
    await sql`rollback`.execute(connection);
    throw error;
  }
}

/** The schema unqualified names resolve to: the first existing one on the search_path. */
async function currentSchema(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL: no schema on the search_path exists; create it or fix DATABASE_URL');
  return schema;
}

async function runMigrations(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
  db: Kysely<any>,
  dialect: Dialect,
  // Kysely looks for its bookkeeping tables in every schema unless told which one: without this,
  // a second schema in the same database would believe it had already been migrated.
  migrationTableSchema: string | undefined,
): Promise<MigrationResultSet> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(dialect) },
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  const resultSet = await migrator.migrateToLatest();
  if (resultSet.error) throw resultSet.error;
  return resultSet;
}
