import { PostgresAdapter, sql } from 'kysely';
import { compileOnce } from './compiled.js';
import { isPostgres, othersCommitVersion, othersCommitVersionSoon, type Db } from './db.js';
import { idListParameter, inIdList } from './json-rows.js';
import type { ApiKeyRow } from './schema.js';

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  forgetCachedKeys(db);
  await db.insertInto('api_keys').values(row).execute();
}

/**
 * Active keys found on one SQLite connection, remembered while nothing could have revoked them.
 * An entry holds only while (1) no other connection has committed to the file since it was read
 * (`othersCommitVersion`, read per request for reads and once per turn for writes: another
 * process, the CLI, an operator's SQL) and (2) this connection has not written to `api_keys`
 * since (`generation`, bumped by every write below, before its commit). Either change empties it
 * in effect, so a revocation acknowledged anywhere fails the next request. Not used on
 * PostgreSQL, where nothing as cheap can tell: keys presented together are read together there
 * instead (see {@link KeyLookups}, and docs/decisions.md).
 */
interface KeyCache {
  generation: number;
  byHash: Map<string, { row: ApiKeyRow; generation: number; version: number }>;
}

const keyCaches = new WeakMap<object, KeyCache>();
// Far more keys than a deployment has; a flood of distinct ones only costs a refill.
const MAX_CACHED_KEYS = 1000;

function keyCacheOf(db: Db): KeyCache {
  const adapter = db.getExecutor().adapter;
  let cache = keyCaches.get(adapter);
  if (!cache) keyCaches.set(adapter, (cache = { generation: 0, byHash: new Map() }));
  return cache;
}

/** Every write to `api_keys` on this connection calls it before it runs. */
function forgetCachedKeys(db: Db): void {
  const cache = keyCacheOf(db);
  cache.generation++;
  cache.byHash.clear();
}

/**
 * The active key with this hash when the cache can answer at once (see {@link KeyCache}), without
 * a promise. Undefined means "not known here": call {@link findActiveApiKeyByHash}.
 */
export function findCachedActiveApiKey(db: Db, keyHash: string): ApiKeyRow | undefined {
  const version = othersCommitVersion(db);
  return version === undefined ? undefined : cachedKey(db, keyHash, version);
}

function cachedKey(db: Db, keyHash: string, version: number): ApiKeyRow | undefined {
  const cache = keyCacheOf(db);
  const hit = cache.byHash.get(keyHash);
  return hit && hit.version === version && hit.generation === cache.generation ? hit.row : undefined;
}

/**
 * The active (not revoked) key with this hash, if any. On SQLite, from memory while no write
 * could have changed it (see {@link KeyCache}), checked once for the requests that present keys
 * together (`othersCommitVersionSoon`); on PostgreSQL one indexed read shared with them (see
 * {@link KeyLookups}); otherwise one indexed read.
 */
export async function findActiveApiKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  const version = isPostgres(db) ? undefined : await othersCommitVersionSoon(db);
  if (version === undefined) {
    return isPostgres(db) && !db.isTransaction ? readWithOthers(db, keyHash) : (await activeKeyByHash(db, [keyHash]))[0];
  }
  const hit = cachedKey(db, keyHash, version);
  if (hit) return hit;
  const cache = keyCacheOf(db);
  const { generation } = cache;
  const row = (await activeKeyByHash(db, [keyHash]))[0];
  // Read before the lookup: a commit in between makes the entry miss next time, never hit stale.
  if (row && cache.generation === generation) {
    if (cache.byHash.size >= MAX_CACHED_KEYS) cache.byHash.clear();
    cache.byHash.set(keyHash, { row, generation, version });
  }
  return row;
}

/**
 * PostgreSQL's stand-in for the key cache: the keys that requests present together are read by one
 * statement. Each lookup waits for a statement sent *after* it was asked (never one already under
 * way), so it sees every revocation committed before its request began, by any instance or by SQL
 * around the service, exactly as a read of its own would; nothing is remembered. When idle, a
 * lookup is sent at once (after the I/O callbacks of the current turn, which it shares); under
 * load, one statement answers every request that arrived while the previous one ran.
 */
interface KeyLookups {
  waiting: Map<string, { resolve: (row: ApiKeyRow | undefined) => void; reject: (error: unknown) => void }[]>;
  inFlight: number;
  scheduled: boolean;
  /** When the newest statement was sent. */
  lastSentAt: number;
  /** Set while the waiting lookups wait for a statement that is slow to answer. */
  overdue: NodeJS.Timeout | undefined;
}

const keyLookups = new WeakMap<object, KeyLookups>();
// One statement at a time: more in flight split the same requests into more statements.
const MAX_KEY_LOOKUPS_IN_FLIGHT = 1;
// ...unless the one in flight is this slow (a frozen or lost connection): then the next is sent
// anyway, so no request waits for more than this plus its own statement's timeout.
const OVERDUE_KEY_LOOKUP_MS = 200;
// Distinct keys per statement; a flood of made-up keys waits for the next statements.
const MAX_KEYS_PER_LOOKUP = 500;

function readWithOthers(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  const adapter = db.getExecutor().adapter;
  let lookups = keyLookups.get(adapter);
  if (!lookups) keyLookups.set(adapter, (lookups = { waiting: new Map(), inFlight: 0, scheduled: false, lastSentAt: 0, overdue: undefined }));
  const state = lookups;
  return new Promise((resolve, reject) => {
    let waiters = state.waiting.get(keyHash);
    if (!waiters) state.waiting.set(keyHash, (waiters = []));
    waiters.push({ resolve, reject });
    scheduleKeyLookup(db, state);
  });
}

function scheduleKeyLookup(db: Db, state: KeyLookups): void {
  if (state.scheduled || state.waiting.size === 0) return;
  if (state.inFlight >= MAX_KEY_LOOKUPS_IN_FLIGHT) {
    state.overdue ??= setTimeout(
      () => {
        state.overdue = undefined;
        if (state.inFlight > 0 && !state.scheduled && state.waiting.size > 0) void lookUpWaitingKeys(db, state);
      },
      Math.max(0, state.lastSentAt + OVERDUE_KEY_LOOKUP_MS - Date.now()),
    );
    return;
  }
  state.scheduled = true;
  setImmediate(() => {
    state.scheduled = false;
    void lookUpWaitingKeys(db, state);
  });
}

async function lookUpWaitingKeys(db: Db, state: KeyLookups): Promise<void> {
  const taken = [...state.waiting].slice(0, MAX_KEYS_PER_LOOKUP);
  if (taken.length === 0) return;
  for (const [hash] of taken) state.waiting.delete(hash);
  if (state.overdue) clearTimeout(state.overdue);
  state.overdue = undefined;
  state.inFlight++;
  state.lastSentAt = Date.now();
  try {
    const rows = await activeKeysByHash(db, [idListParameter(db, taken.map(([hash]) => hash))]);
    const byHash = new Map(rows.map((row) => [row.key_hash, row]));
    for (const [hash, waiters] of taken) for (const waiter of waiters) waiter.resolve(byHash.get(hash));
  } catch (error) {
    for (const [, waiters] of taken) for (const waiter of waiters) waiter.reject(error);
  } finally {
    state.inFlight--;
    scheduleKeyLookup(db, state);
  }
}

export async function findApiKey(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
}

// Every request runs it. Columns by name: see preparedOnPostgres.
const activeKeyByHash = compileOnce<ApiKeyRow>(1, (db, [keyHash]) =>
  db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'key_hash', 'scopes', 'partner_id', 'created_at', 'revoked_at'])
    .where('key_hash', '=', keyHash!)
    .where('revoked_at', 'is', null),
);

const activeKeysByHash = compileOnce<ApiKeyRow>(1, (db, [keyHashes]) =>
  db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'key_hash', 'scopes', 'partner_id', 'created_at', 'revoked_at'])
    .where(inIdList(db, 'key_hash', keyHashes))
    .where('revoked_at', 'is', null),
);

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
  forgetCachedKeys(db);
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
