import { createHash } from 'node:crypto';
import { AppError, notFound, type FieldError } from '../errors.js';
import type { TouchpointType } from '../domain/attribution/index.js';
import { isDeadlock, isForeignKeyViolation, isPostgres, isUniqueViolation, type Db } from '../storage/db.js';
import { classifyDatabaseError } from '../storage/availability.js';
import * as store from '../storage/touchpoints.js';
import { findExistingPartnerIds } from '../storage/partners.js';
import type { TouchpointRecord } from '../storage/schema.js';
import { markTouchpointChanges } from './attribution/pending-work.js';
import { recordAudit, recordAuditOf, type Actor, type AuditEntry, type FieldChanges } from './audit.js';
import type { ServiceContext } from './context.js';
import { createGroupCommit } from './group-commit.js';
import { newOrderedId } from './ids.js';

export interface TouchpointInput {
  id?: string | undefined;
  partner_id: string;
  deal_id: string;
  touchpoint_type: TouchpointType;
  /** Epoch milliseconds; now when absent. */
  timestamp?: number | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface RecordedTouchpoint {
  touchpoint: StoredTouchpoint;
  /** False when the same id and body had been recorded before (an idempotent replay). */
  created: boolean;
}

/**
 * Records one touchpoint. A replay of a known id with the same body returns the stored touchpoint;
 * with a different body it is a conflict. Nothing is stored for an unknown partner. Touchpoints
 * recorded at the same time by other requests share its transaction (group commit); it answers
 * once its own row has committed.
 */
export async function recordTouchpoint(ctx: ServiceContext, input: TouchpointInput, actor: Actor): Promise<RecordedTouchpoint> {
  return groupCommitOf(ctx)({ input, actor, now: ctx.now() });
}

/** Records up to 1000 touchpoints, all or nothing. */
export async function recordTouchpointBatch(ctx: ServiceContext, inputs: readonly TouchpointInput[], actor: Actor) {
  const plan = await recordInTransaction(ctx, inputs, (index, field) => `events/${index}/${field}`, actor, ctx.now());
  return { inserted: plan.newRows.length, duplicates: plan.replays.length };
}

/** One POST /events waiting for its group. */
interface SingleTouchpoint {
  input: TouchpointInput;
  actor: Actor;
  now: number;
}

// Under its bound-parameter limits on both engines, and a short transaction.
const MAX_GROUP_SIZE = 200;
// SQLite has one connection; PostgreSQL's pool lets a few groups overlap.
const POSTGRES_GROUPS_IN_FLIGHT = 4;

const groupCommits = new WeakMap<ServiceContext, (write: SingleTouchpoint) => Promise<RecordedTouchpoint>>();

function groupCommitOf(ctx: ServiceContext) {
  let record = groupCommits.get(ctx);
  if (!record) {
    record = createGroupCommit<SingleTouchpoint, RecordedTouchpoint>({
      writeTogether: (writes) => recordNewTogether(ctx, writes),
      writeAlone: async ({ input, actor, now }) => {
        const plan = await recordInTransaction(ctx, [input], (_index, field) => field, actor, now);
        return { touchpoint: (plan.newRows[0] ?? plan.replays[0])!, created: plan.newRows.length === 1 };
      },
      // A deadlock too: two groups can hold the same client-chosen ids (a retry) in opposite orders.
      isItemError: (error) => error instanceof NotAllNew || isForeignKeyViolation(error) || isUniqueViolation(error) || isDeadlock(error),
      isOutage: (error) => classifyDatabaseError(error) === 'unavailable',
      maxGroupSize: MAX_GROUP_SIZE,
      maxGroupsInFlight: isPostgres(ctx.db) ? POSTGRES_GROUPS_IN_FLIGHT : 1,
    });
    groupCommits.set(ctx, record);
  }
  return record;
}

/** Thrown inside a group's transaction to roll it back: some write needs an answer of its own. */
class NotAllNew extends Error {}

/**
 * The common case of a group: every touchpoint is new, so one insert, one rollup upsert, one
 * pending mark and one audit insert cover them all. Anything else (a known id, an unknown
 * partner) rolls the group back, and each write runs alone.
 */
async function recordNewTogether(ctx: ServiceContext, writes: readonly SingleTouchpoint[]): Promise<RecordedTouchpoint[]> {
  const rows = writes.map(({ input, now }) => toRow(input, requestHash(input), now));
  await ctx.db.transaction().execute(async (trx) => {
    const inserted = await store.insertNewTouchpoints(trx, rows);
    if (inserted.size !== rows.length) throw new NotAllNew();
    await recordAuditOf(
      trx,
      rows.map((row, index) => ({ actor: writes[index]!.actor, at: writes[index]!.now, entry: touchpointAudit('create', row) })),
    );
    // The earliest: the backlog's age counts from the first change waiting.
    await markTouchpointChanges(trx, Math.min(...writes.map((write) => write.now)), { added: rows });
  });
  ctx.pendingWork.notify();
  return rows.map((touchpoint) => ({ touchpoint, created: true }));
}

/**
 * Inserts the new touchpoints, counts them and marks their deals pending, in one transaction.
 * The common case costs one insert: unknown partners surface as the foreign key's violation
 * and known ids as rows the insert skipped, and only then are they looked up to say which.
 */
async function recordInTransaction(
  ctx: ServiceContext,
  inputs: readonly TouchpointInput[],
  itemPath: ItemPath,
  actor: Actor,
  now: number,
): Promise<TouchpointPlan> {
  const rows = inputs.map((input) => toRow(input, requestHash(input), now));
  let plan: TouchpointPlan;
  try {
    plan = await retryOnceOnDuplicateId(() =>
      ctx.db.transaction().execute(async (trx) => {
        const written = await insertUnlessKnown(trx, rows, itemPath);
        await recordAudit(trx, actor, now, written.newRows.map((row) => touchpointAudit('create', row)));
        await markTouchpointChanges(trx, now, { added: written.newRows });
        return written;
      }),
    );
  } catch (error) {
    // On PostgreSQL the failed statement ended the transaction: find the culprits outside it.
    if (isForeignKeyViolation(error)) await rejectUnknownPartners(ctx.db, inputs, itemPath);
    throw error;
  }
  if (plan.newRows.length > 0) ctx.pendingWork.notify();
  return plan;
}

/**
 * Two instances can both see a touchpoint id as new and race to insert it; the loser's unique
 * violation rolls its transaction back. Run once more: it then sees the winner's row and answers
 * as a replay (or a conflict), as if the requests had come one after the other.
 */
async function retryOnceOnDuplicateId<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return write();
  }
}

export async function removeTouchpoint(ctx: ServiceContext, id: string, actor: Actor): Promise<TouchpointRecord> {
  const removed = await ctx.db.transaction().execute(async (trx) => {
    const row = await store.deleteTouchpoint(trx, id);
    if (!row) throw notFound('Event', id);
    const now = ctx.now();
    await recordAudit(trx, actor, now, [touchpointAudit('delete', row)]);
    await markTouchpointChanges(trx, now, { removed: [row] });
    return row;
  });
  ctx.pendingWork.notify();
  return removed;
}

/** A touchpoint's creation or removal, for the audit log (metadata left out: it can be 16 KiB and is never changed). */
function touchpointAudit(action: 'create' | 'delete', row: StoredTouchpoint): AuditEntry {
  const view = {
    partner_id: row.partner_id,
    deal_id: row.deal_id,
    touchpoint_type: row.touchpoint_type,
    timestamp: new Date(row.timestamp).toISOString(),
  };
  // Every field is set: the changes are all of them, from or to nothing.
  const changes: FieldChanges = {};
  for (const [field, value] of Object.entries(view)) changes[field] = action === 'create' ? { old: null, new: value } : { old: value, new: null };
  return { action, entityType: 'event', entityId: row.id, changes };
}

/** A touchpoint as written; `seq` stays inside the database. */
export type StoredTouchpoint = Omit<TouchpointRecord, 'seq'>;

interface TouchpointPlan {
  newRows: StoredTouchpoint[];
  replays: StoredTouchpoint[];
}

/** Where a field of the index-th input sits in the request, for error paths. */
type ItemPath = (index: number, field: string) => string;

/** Throws partner_not_found naming every item whose partner does not exist. */
async function rejectUnknownPartners(db: Db, inputs: readonly TouchpointInput[], itemPath: ItemPath): Promise<void> {
  const knownPartners = await findExistingPartnerIds(db, inputs.map((input) => input.partner_id));
  const unknownPartners: FieldError[] = [];
  inputs.forEach((input, index) => {
    if (!knownPartners.has(input.partner_id)) {
      unknownPartners.push({ path: itemPath(index, 'partner_id'), message: `no partner with id '${input.partner_id}'` });
    }
  });
  if (unknownPartners.length > 0) {
    const first = inputs.find((input) => !knownPartners.has(input.partner_id))!;
    throw new AppError('partner_not_found', `Partner '${first.partner_id}' does not exist; nothing was stored`, unknownPartners);
  }
}

/**
 * Inserts the rows whose id is not stored yet. A skipped row is a replay when the stored touchpoint
 * has the same request hash (an earlier item of the same batch counts too), a conflict otherwise.
 */
async function insertUnlessKnown(db: Db, rows: readonly StoredTouchpoint[], itemPath: ItemPath): Promise<TouchpointPlan> {
  const inserted = await store.insertNewTouchpoints(db, rows);
  const newRows: StoredTouchpoint[] = [];
  const skipped: { row: StoredTouchpoint; index: number }[] = [];
  rows.forEach((row, index) => {
    // An id inserted once: its later repeats in the same batch were skipped.
    if (inserted.delete(row.id)) newRows.push(row);
    else skipped.push({ row, index });
  });
  if (skipped.length === 0) return { newRows, replays: [] };
  const stored = new Map((await store.findTouchpointsByIds(db, skipped.map(({ row }) => row.id))).map((row) => [row.id, row]));
  const replays: StoredTouchpoint[] = [];
  const conflicts: FieldError[] = [];
  for (const { row, index } of skipped) {
    const { seq: _seq, ...previous } = stored.get(row.id)!;
    if (previous.request_hash === row.request_hash) replays.push(previous);
    else conflicts.push({ path: itemPath(index, 'id'), message: `event '${row.id}' exists with a different body` });
  }
  if (conflicts.length > 0) {
    throw new AppError('conflict', 'An event id was already used with a different body; nothing was stored', conflicts);
  }
  return { newRows, replays };
}

function toRow(input: TouchpointInput, hash: string, now: number): StoredTouchpoint {
  return {
    id: input.id ?? newOrderedId('evt', now),
    partner_id: input.partner_id,
    deal_id: input.deal_id,
    touchpoint_type: input.touchpoint_type,
    timestamp: input.timestamp ?? now,
    metadata: input.metadata === undefined ? null : JSON.stringify(input.metadata),
    request_hash: hash,
    created_at: now,
  };
}

/** The request's meaning, hashed: key order and timestamp spelling do not matter, omissions do. */
function requestHash(input: TouchpointInput): string {
  const meaning = [input.partner_id, input.deal_id, input.touchpoint_type, input.timestamp ?? null, canonical(input.metadata ?? null)];
  return createHash('sha256').update(JSON.stringify(meaning)).digest('base64url');
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** A page of touchpoints matching the filter, with the total. */
export async function listTouchpointsPage(ctx: ServiceContext, query: store.TouchpointListQuery) {
  return store.listTouchpoints(ctx.db, query);
}
