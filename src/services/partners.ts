import { AppError, notFound } from '../errors.js';
import { maskPayoutDetails, type PayoutDetails } from '../security/payout-cipher.js';
import { isUniqueViolation } from '../storage/db.js';
import * as partners from '../storage/partners.js';
import type { PartnerRow, PartnerUpdate } from '../storage/schema.js';
import { getPartnerAttributedRevenue } from './analytics/partner.js';
import { changesBetween, recordAudit, type Actor } from './audit.js';
import type { ServiceContext } from './context.js';
import { newId } from './ids.js';

export interface NewPartner {
  id?: string | undefined;
  name: string;
  email: string;
  payout_details?: PayoutDetails | undefined;
}

export interface PartnerChanges {
  name?: string | undefined;
  email?: string | undefined;
  payout_details?: PayoutDetails | null | undefined;
  status?: 'active' | 'archived' | undefined;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

const emailTaken = (email: string) =>
  new AppError('conflict', `A partner with email '${email}' already exists`, [
    { path: 'email', message: 'already used by another partner (emails are case-insensitive)' },
  ]);

export async function createPartner(ctx: ServiceContext, input: NewPartner, actor: Actor): Promise<PartnerRow> {
  const now = ctx.now();
  const row: PartnerRow = {
    id: input.id ?? newId('par'),
    name: input.name,
    email: input.email.trim(),
    email_normalized: normalizeEmail(input.email),
    ...encryptedDetails(ctx, input.payout_details ?? null),
    status: 'active',
    created_at: now,
    updated_at: now,
  };
  return ctx.db.transaction().execute(async (trx) => {
    if (await partners.findPartner(trx, row.id)) {
      throw new AppError('conflict', `Partner '${row.id}' already exists`, [{ path: 'id', message: 'already exists' }]);
    }
    if (await partners.findPartnerByEmail(trx, row.email_normalized)) throw emailTaken(row.email);
    await partners.insertPartner(trx, row).catch(rethrowUniqueAsConflict(row.email));
    await recordAudit(trx, actor, now, [{ action: 'create', entityType: 'partner', entityId: row.id, changes: changesBetween(null, auditView(row)) }]);
    return row;
  });
}

export async function updatePartner(ctx: ServiceContext, id: string, changes: PartnerChanges, actor: Actor): Promise<PartnerRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await partners.findPartner(trx, id);
    if (!existing) throw notFound('Partner', id);
    const update: PartnerUpdate = { updated_at: ctx.now() };
    if (changes.name !== undefined) update.name = changes.name;
    if (changes.status !== undefined) update.status = changes.status;
    if (changes.email !== undefined) {
      update.email = changes.email.trim();
      update.email_normalized = normalizeEmail(changes.email);
      const owner = await partners.findPartnerByEmail(trx, update.email_normalized);
      if (owner && owner.id !== id) throw emailTaken(update.email);
    }
    if (changes.payout_details !== undefined) Object.assign(update, encryptedDetails(ctx, changes.payout_details));
    await partners.updatePartner(trx, id, update).catch(rethrowUniqueAsConflict(changes.email ?? ''));
    const next = { ...existing, ...update } as PartnerRow;
    const action = existing.status !== 'archived' && next.status === 'archived' ? 'archive' : 'update';
    const audited = changesBetween(auditView(existing), auditView(next));
    await recordAudit(trx, actor, update.updated_at!, [{ action, entityType: 'partner', entityId: id, changes: audited }]);
    return next;
  });
}

export async function getPartner(ctx: ServiceContext, id: string): Promise<PartnerRow> {
  const row = await partners.findPartner(ctx.db, id);
  if (!row) throw notFound('Partner', id);
  return row;
}

/** The clear payout details; only the admin route calls this. */
export async function revealPayoutDetails(ctx: ServiceContext, id: string): Promise<PayoutDetails | null> {
  const row = await getPartner(ctx, id);
  return row.payout_details_encrypted === null ? null : ctx.payoutCipher.decrypt(row.payout_details_encrypted);
}

/** A partner as the API shows it (payout details masked), for the audit log. */
const auditView = (row: PartnerRow) => ({
  name: row.name,
  email: row.email,
  payout_details: maskedPayoutDetailsOf(row),
  status: row.status,
});

export const maskedPayoutDetailsOf = (row: Pick<PartnerRow, 'payout_details_masked'>): PayoutDetails | null =>
  row.payout_details_masked === null ? null : (JSON.parse(row.payout_details_masked) as PayoutDetails);

function encryptedDetails(ctx: ServiceContext, details: PayoutDetails | null) {
  return {
    payout_details_encrypted: details === null ? null : ctx.payoutCipher.encrypt(details),
    payout_details_masked: details === null ? null : JSON.stringify(maskPayoutDetails(details)),
  };
}

// A concurrent request can win the race between our check and our insert.
const rethrowUniqueAsConflict = (email: string) => (error: unknown) => {
  if (isUniqueViolation(error)) throw new AppError('conflict', `Partner id or email '${email}' already exists`);
  throw error;
};

/** Activity counts and attributed revenue per currency (minor units, exact). */
export async function getPartnerStats(ctx: ServiceContext, id: string) {
  const activity = await partners.countPartnerActivity(ctx.db, id);
  const revenue = await getPartnerAttributedRevenue(ctx, id);
  return { ...activity, revenue };
}

export type Partner = PartnerRow;
/** A partner as lists show it (no encrypted details). */
export type ListedPartner = partners.ListedPartner;

/** A page of partners matching the filter, with the total. */
export async function listPartnersPage(ctx: ServiceContext, query: partners.PartnerListQuery) {
  return partners.listPartners(ctx.db, query);
}
