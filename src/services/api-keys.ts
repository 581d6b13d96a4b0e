import { createHash, randomBytes } from 'node:crypto';
import { changesBetween, OPERATOR_ACTOR, recordAudit, type Actor } from './audit.js';
import { newId } from './ids.js';
import type { Db } from '../storage/db.js';
import * as apiKeys from '../storage/api-keys.js';
import { findPartner } from '../storage/partners.js';
import type { ApiKeyRow } from '../storage/schema.js';
import { invalidField, partnerNotFound } from '../errors.js';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling: the key's id, what it may do, and the partner it is bound to, if any. */
export interface Principal {
  keyId: string;
  /** The key's name, for the audit log. */
  keyName: string;
  scopes: readonly Scope[];
  partnerId: string | null;
}

const KEY_PREFIX = 'sk_';
const SHOWN_PREFIX_LENGTH = 10;

export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** `admin` implies `write`, which implies `read`. */
export function hasScope(principal: Principal, needed: Scope): boolean {
  const rank = SCOPES.indexOf(needed);
  return principal.scopes.some((scope) => SCOPES.indexOf(scope) >= rank);
}

export interface NewApiKey {
  name: string;
  scopes: readonly Scope[];
  partnerId?: string | null | undefined;
}

export interface CreatedApiKey {
  row: ApiKeyRow;
  /** The clear key: shown once, never stored. */
  key: string;
}

/**
 * Creates a key and returns it in clear, the only time it is ever available.
 * A partner-bound key may only read.
 */
/** `actor` is who creates it (the command line and the first start when absent). */
export async function createApiKey(db: Db, input: NewApiKey, now: number, actor: Actor = OPERATOR_ACTOR): Promise<CreatedApiKey> {
  const partnerId = input.partnerId ?? null;
  if (partnerId !== null) {
    if (input.scopes.some((scope) => scope !== 'read')) {
      throw invalidField('scopes', 'a key bound to a partner can only have the read scope');
    }
    if (!(await findPartner(db, partnerId))) {
      throw partnerNotFound(partnerId);
    }
  }
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row: ApiKeyRow = {
    id: newId('key'),
    name: input.name,
    prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
    key_hash: hashApiKey(key),
    scopes: [...new Set(input.scopes)].join(','),
    partner_id: partnerId,
    created_at: now,
    revoked_at: null,
  };
  const view = { name: row.name, scopes: scopesOf(row), partner_id: row.partner_id };
  await inTransaction(db, async (trx) => {
    await apiKeys.insertApiKey(trx, row);
    await recordAudit(trx, actor, now, [{ action: 'create', entityType: 'api_key', entityId: row.id, changes: changesBetween(null, view) }]);
  });
  return { row, key };
}

/**
 * The principal for a presented key, or undefined when it is unknown or revoked. Reads only.
 * `atOnce`: answered synchronously when the key is known to be active without reading (on SQLite
 * while nothing was committed since, see the storage layer's key cache). Otherwise the check waits
 * for the end of the event loop's turn and is made once for every request that arrived in it.
 */
export function authenticateApiKey(db: Db, key: string, atOnce: boolean): Principal | undefined | Promise<Principal | undefined> {
  if (!key.startsWith(KEY_PREFIX)) return undefined;
  const hash = hashApiKey(key);
  const known = atOnce ? apiKeys.findCachedActiveApiKey(db, hash) : undefined;
  if (known) return principalOfCached(known);
  return apiKeys.findActiveApiKeyByHash(db, hash).then((row) => row && principalOfCached(row));
}

// The storage layer's key cache hands back the same row while it holds: one principal per row.
function principalOfCached(row: ApiKeyRow): Principal {
  let principal = principals.get(row);
  if (!principal) principals.set(row, (principal = Object.freeze(principalOf(row))));
  return principal;
}

const principals = new WeakMap<ApiKeyRow, Principal>();

export function principalOf(row: ApiKeyRow): Principal {
  return { keyId: row.id, keyName: row.name, scopes: scopesOf(row), partnerId: row.partner_id };
}

export const scopesOf = (row: ApiKeyRow) => row.scopes.split(',') as Scope[];

export type ApiKey = ApiKeyRow;

/** The key with this id, revoked or not. */
export async function findApiKeyById(db: Db, id: string): Promise<ApiKey | undefined> {
  return apiKeys.findApiKey(db, id);
}

/** A page of keys (never their secrets), with the total. */
export async function listApiKeysPage(db: Db, page: { limit: number; offset: number }) {
  return apiKeys.listApiKeys(db, page);
}

/** Revokes the key at once, on every instance (each request looks its key up). False when there is no such key. */
export async function revokeApiKeyById(db: Db, id: string, now: number, actor: Actor = OPERATOR_ACTOR): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const existing = await apiKeys.findApiKey(trx, id);
    if (!existing || !(await apiKeys.revokeApiKey(trx, id, now))) return false;
    if (existing.revoked_at === null) {
      const changes = { revoked_at: { old: null, new: new Date(now).toISOString() } };
      await recordAudit(trx, actor, now, [{ action: 'revoke', entityType: 'api_key', entityId: id, changes }]);
    }
    return true;
  });
}

/** Runs `work` in the caller's transaction when `db` is one (the first start creates its key in one), else in a new one. */
function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
