import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ensureAdminKey, writeToEnvLocal } from '../../src/bootstrap.js';
import { countApiKeys } from '../../src/storage/api-keys.js';
import { createDatabase, type Db } from '../../src/storage/db.js';
import { migrateToLatest } from '../../src/storage/migrate.js';
import { testConfig } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testDialect } from '../helpers/environment.js';

/** Issue 11, point 8: first start and reinstall. */
let directory: string;
const databases: TestDatabase[] = [];
const connections: Db[] = [];

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'first-start-'));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const db of connections.splice(0)) await db.destroy();
  for (const database of databases.splice(0)) await database.drop();
  rmSync(directory, { recursive: true, force: true });
});

/** A fresh, empty database, and `count` connection pools to it (one per instance). */
async function emptyDatabase(count = 1): Promise<{ dbs: Db[]; databaseUrl: string | undefined }> {
  const database = await createTestDatabase();
  databases.push(database);
  const config = testConfig(database);
  const dbs = Array.from({ length: count }, () => createDatabase(config));
  connections.push(...dbs);
  return { dbs, databaseUrl: config.databaseUrl };
}

const apiKeyLines = () => readFileSync(join(directory, '.env.local'), 'utf8').split('\n').filter((line) => line.startsWith('API_KEY='));

describe('.env.local', () => {
  it('a start on a new database (./data deleted) replaces API_KEY instead of adding a second line', async () => {
    writeToEnvLocal(directory, { PAYOUT_ENCRYPTION_KEY: 'a'.repeat(64) });
    const keys = [];
    for (let start = 0; start < 2; start++) {
      const { dbs, databaseUrl } = await emptyDatabase();
      await migrateToLatest(dbs[0]!, databaseUrl);
      keys.push(await ensureAdminKey(dbs[0]!, directory, Date.now()));
    }
    expect(keys[0]).not.toBe(keys[1]);
    expect(apiKeyLines()).toEqual([`API_KEY=${keys[1]}`]);
    const text = readFileSync(join(directory, '.env.local'), 'utf8');
    expect(text).toContain(`PAYOUT_ENCRYPTION_KEY=${'a'.repeat(64)}\n`);
    expect(text.startsWith('# Written by the first start')).toBe(true);
    expect(statSync(join(directory, '.env.local')).mode & 0o777).toBe(0o600);
  });

  it('keeps the operator’s own lines and repairs a file an older version left with two API_KEY lines', () => {
    writeFileSync(join(directory, '.env.local'), '# mine\nPORT=4000\nAPI_KEY=sk_old1\n\nAPI_KEY=sk_old2\nexport LOG_LEVEL=debug\n');
    writeToEnvLocal(directory, { API_KEY: 'sk_new' });
    expect(readFileSync(join(directory, '.env.local'), 'utf8')).toBe('# mine\nPORT=4000\nAPI_KEY=sk_new\n\nexport LOG_LEVEL=debug\n');
  });
});

describe('instances starting together on an empty database', () => {
  // One process holds one SQLite connection and writes synchronously: two in-process "instances"
  // cannot race on a SQLite file. PostgreSQL is where instances really start together.
  it.skipIf(testDialect() !== 'postgres')('create exactly one first admin key', async () => {
    for (let round = 0; round < 5; round++) {
      const { dbs, databaseUrl } = await emptyDatabase(3);
      await Promise.all(dbs.map((db) => migrateToLatest(db, databaseUrl)));
      const created = await Promise.all(
        dbs.map((db, index) => ensureAdminKey(db, mkdtempSync(join(directory, `instance-${index}-`)), Date.now())),
      );
      expect(created.filter((key) => key !== undefined)).toHaveLength(1);
      expect(await countApiKeys(dbs[0]!)).toBe(1);
    }
  });

  it('a second start on the same database creates nothing', async () => {
    const { dbs, databaseUrl } = await emptyDatabase(1);
    await migrateToLatest(dbs[0]!, databaseUrl);
    expect(await ensureAdminKey(dbs[0]!, directory, Date.now())).toMatch(/^sk_/);
    expect(await ensureAdminKey(dbs[0]!, directory, Date.now())).toBeUndefined();
    expect(await countApiKeys(dbs[0]!)).toBe(1);
  });
});
