import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresAdapter, sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../../src/storage/db.js';
import { TEST_DATABASE_URL, testDialect, type TestDialect } from './environment.js';

/**
 * A database of the test's own: a fresh SQLite file in a temporary directory, or a fresh
 * schema in TEST_DATABASE_URL. Nothing in it is ever seen by another test file or run.
 */
export interface TestDatabase {
  dialect: TestDialect;
  /** The environment that points the service at it (DB_PATH, or DATABASE_URL with its search_path). */
  env: Record<string, string>;
  /** Deletes it and everything in it; safe to call twice. */
  drop: () => Promise<void>;
}

const SCHEMA_PREFIX = 'test_';
const TEST_SCHEMA = /^test_([0-9a-z]+)_[0-9a-f]{12}$/;
/** Schemas left behind by a killed run are dropped by the next run once this old. */
const STALE_SCHEMA_MS = 6 * 60 * 60_000;

/** Creates an empty database (not migrated) in the dialect of the running project. */
export async function createTestDatabase(dialect: TestDialect = testDialect()): Promise<TestDatabase> {
  return dialect === 'postgres' ? createPostgresSchema(TEST_DATABASE_URL!) : createSqliteFile();
}

function createSqliteFile(): TestDatabase {
  const directory = mkdtempSync(join(tmpdir(), 'attribution-test-'));
  return {
    dialect: 'sqlite',
    env: { DB_PATH: join(directory, 'test.db') },
    drop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

async function createPostgresSchema(url: string): Promise<TestDatabase> {
  // The creation time in the name lets a later run recognise schemas a killed run left behind.
  const schema = `${SCHEMA_PREFIX}${Date.now().toString(36)}_${randomBytes(6).toString('hex')}`;
  await withClient(url, (client) => client.query(`create schema ${schema}`));
  let dropped = false;
  return {
    dialect: 'postgres',
    env: { DATABASE_URL: withSearchPath(url, schema), DATABASE_POOL_SIZE: '4' },
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withClient(url, (client) => client.query(`drop schema if exists ${schema} cascade`));
    },
  };
}

/** `url` with `?options=-c search_path=<schema>`: how a server process is pointed at one schema too. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/** Drops the test schemas of runs that died before they could clean up. Returns how many. */
export async function dropStaleTestSchemas(url: string, now = Date.now()): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string }>('select nspname as name from pg_namespace');
    const stale = rows.filter(({ name }) => {
      const created = TEST_SCHEMA.exec(name)?.[1];
      return created !== undefined && now - parseInt(created, 36) > STALE_SCHEMA_MS;
    });
    for (const { name } of stale) await client.query(`drop schema if exists ${name} cascade`);
    return stale.length;
  });
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * A mark that changes whenever anything is written to `db`, on either engine, for tests that
 * prove a request writes nothing. SQLite: the connection's change counter. PostgreSQL: every
 * table's row count and newest row version (xmin) in the current schema.
 * @example const before = await databaseWriteMark(t.db); ...; expect(await databaseWriteMark(t.db)).toBe(before);
 */
export async function databaseWriteMark(db: Db): Promise<string> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) {
    return String((await sql<{ n: number }>`select total_changes() as n`.execute(db)).rows[0]!.n);
  }
  const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const marks = await Promise.all(
    tables.rows.map(async ({ name }) => {
      const { rows } = await sql<{ rows: number; newest: string | null }>`
        select count(*) as rows, max(xmin::text::bigint)::text as newest from ${sql.table(name)}`.execute(db);
      return `${name}:${rows[0]!.rows}:${rows[0]!.newest ?? '-'}`;
    }),
  );
  return marks.join(' ');
}

/**
 * A digest of everything stored in `db`: every table's rows, in a fixed order, hashed. Equal
 * digests before and after a request prove it changed nothing, on either engine.
 * @example const before = await databaseDigest(t.db); ...; expect(await databaseDigest(t.db)).toBe(before);
 */
export async function databaseDigest(db: Db): Promise<string> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const tables = postgres
    ? await sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
  const hash = createHash('sha256');
  for (const { name } of tables.rows) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    const lines = rows.map((row) => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)));
    hash.update(`${name}\n${lines.sort().join('\n')}\n`);
  }
  return hash.digest('hex');
}
