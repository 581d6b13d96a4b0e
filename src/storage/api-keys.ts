import { compileOnce } from './compiled.js';
import { PostgresAdapter, sql } from 'kysely';
import type { Db } from './db.js';
import type { ApiKeyRow } from './schema.js';

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  await db.insertInto('api_keys').values(row).execute();
}

/** The active (not revoked) key with this hash, if any. */
export async function findActiveApiKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return (await activeKeyByHash(db, [keyHash]))[0];
}

// Every request runs it.
const activeKeyByHash = compileOnce<ApiKeyRow>(1, (db, [keyHash]) =>
  db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash!).where('revoked_at', 'is', null),
);

export async function findApiKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApiKeys(db: Db, page: { limit: number; offset: number }) {
  const [data, total] = await Promise.all([
    db
      .selectFrom('api_keys')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    countApiKeys(db),
  ]);
  return { data, total };
}

export async function countApiKeys(db: Db): Promise<number> {
  const { count } = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** Marks the key revoked; returns false when there is no such key. Revoking twice keeps the first time. */
export async function revokeApiKey(db: Db, id: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(now)) }))
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Inside a transaction: makes every other writer of `api_keys` wait until it ends, so a check
 * ("no keys yet?") and the insert that follows are one step for concurrent starts. Readers go on.
 * SQLite has one writer at a time: a write statement (here one that changes nothing) takes it.
 */
export async function lockApiKeysForWrite(trx: Db): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`lock table api_keys in share row exclusive mode`.execute(trx);
  } else {
    await trx.updateTable('api_keys').set((eb) => ({ id: eb.ref('id') })).where(sql<boolean>`0`).execute();
  }
}
