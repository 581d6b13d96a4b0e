import { insertAuditEntries, listAuditEntries, type AuditLogQuery } from '../storage/audit-log.js';
import type { Db } from '../storage/db.js';
import type { AuditLogRow } from '../storage/schema.js';
import { newOrderedId } from './ids.js';

/** Who makes a write: the API key's id and name, or an operator's tool (no key). */
export interface Actor {
  keyId: string | null;
  keyName: string;
}

/** The command-line tool, and the first start's key generation. */
export const OPERATOR_ACTOR: Actor = { keyId: null, keyName: 'operator (command line)' };

export const AUDIT_ACTIONS = ['create', 'update', 'delete', 'archive', 'lock', 'paid', 'revoke'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ENTITY_TYPES = ['partner', 'event', 'deal', 'settings', 'api_key', 'payout_period'] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

/** Each changed field's old and new value, as the API shows them (payout details masked, never a key's secret). */
export type FieldChanges = Record<string, { old: unknown; new: unknown }>;

export interface AuditEntry {
  action: AuditAction;
  entityType: AuditEntityType;
  entityId: string;
  changes: FieldChanges;
}

/**
 * Appends entries to the audit log; call it inside the write's own transaction, so the entry
 * exists exactly when the write does.
 */
export async function recordAudit(db: Db, actor: Actor, now: number, entries: readonly AuditEntry[]): Promise<void> {
  await recordAuditOf(db, entries.map((entry) => ({ actor, at: now, entry })));
}

/** Entries of several writes committed together (a group commit), each with its own actor and time. */
export async function recordAuditOf(db: Db, entries: readonly { actor: Actor; at: number; entry: AuditEntry }[]): Promise<void> {
  const rows: AuditLogRow[] = entries.map(({ actor, at, entry }) => ({
    id: newOrderedId('aud', at),
    at,
    key_id: actor.keyId,
    key_name: actor.keyName,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    changes: JSON.stringify(entry.changes),
  }));
  await insertAuditEntries(db, rows);
}

/**
 * The fields whose value differs between two views of an entity (null for "did not exist").
 * @example changesBetween({ name: 'A', email: 'a@x' }, { name: 'B', email: 'a@x' }) // { name: { old: 'A', new: 'B' } }
 */
export function changesBetween(before: Record<string, unknown> | null, after: Record<string, unknown> | null): FieldChanges {
  const changes: FieldChanges = {};
  for (const field of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    const old = before?.[field] ?? null;
    const next = after?.[field] ?? null;
    if (JSON.stringify(old) !== JSON.stringify(next)) changes[field] = { old, new: next };
  }
  return changes;
}

export async function listAuditLogPage(db: Db, query: AuditLogQuery) {
  const { data, total } = await listAuditEntries(db, query);
  return { data: data.map((row) => ({ ...row, changes: JSON.parse(row.changes) as FieldChanges })), total };
}
