import { AppError, invalidField, notFound } from '../errors.js';
import type { ModelName } from '../domain/attribution/index.js';
import { currencyDigits, maxAmount, minorUnitsToDecimal, MAX_AMOUNT_MINOR, toMajorUnits, toMinorUnits } from '../domain/money.js';
import * as deals from '../storage/deals.js';
import { isUniqueViolation } from '../storage/db.js';
import { listDealTouchpoints } from '../storage/touchpoints.js';
import type { DealRow, DealUpdate } from '../storage/schema.js';
import { markFitInputsChanged } from '../storage/attribution-fits.js';
import { markDealsPending } from '../storage/attribution-pending.js';
import { CHANGE_REASONS } from '../domain/payouts/adjustments.js';
import { changesBetween, recordAudit, type Actor } from './audit.js';
import type { ServiceContext } from './context.js';
import { newId } from './ids.js';
import { readAttributionSettings } from './attribution/settings-values.js';

export type DealStatus = 'won' | 'lost';

export interface NewDeal {
  id?: string | undefined;
  /** Major units, as the client sent it. */
  amount: number;
  currency?: string | undefined;
  /** Epoch milliseconds; now when absent. */
  closed_at?: number | undefined;
  attribution_model?: ModelName | undefined;
  status?: DealStatus | undefined;
}

export type DealChanges = Partial<Omit<NewDeal, 'id'>>;

/** Major units → minor units in the deal's currency, or a 400 naming `amount` (and the maximum, when over it). */
export function amountInMinorUnits(amount: number, currency: string): number {
  // Checked first: past the maximum a double no longer holds every minor unit, so "too many
  // decimals" would be the wrong reason (71000000000000.01 reads as …0.02).
  if (amount > maxAmount(currency)) {
    throw invalidField('amount', `must be at most ${minorUnitsToDecimal(MAX_AMOUNT_MINOR, currency)} ${currency}`);
  }
  const minor = toMinorUnits(amount, currency);
  if (minor === undefined) {
    throw invalidField('amount', `must have at most ${currencyDigits(currency)} decimal places for ${currency}`);
  }
  if (minor <= 0) throw invalidField('amount', 'must be greater than 0');
  return minor;
}

export async function createDeal(ctx: ServiceContext, input: NewDeal, actor: Actor): Promise<DealRow> {
  const currency = input.currency ?? ctx.defaultCurrency;
  const amountMinor = amountInMinorUnits(input.amount, currency);
  const now = ctx.now();
  const created = await ctx.db.transaction().execute(async (trx) => {
    const id = input.id ?? newId('deal');
    if (await deals.findDeal(trx, id)) throw duplicateDeal(id);
    const row: DealRow = {
      id,
      amount_minor: amountMinor,
      currency,
      closed_at: input.closed_at ?? now,
      attribution_model:
        input.attribution_model ?? (await readAttributionSettings(trx, ctx.defaultModel)).default_model,
      status: input.status ?? 'won',
      created_at: now,
      updated_at: now,
    };
    await deals.insertDeal(trx, row).catch((error: unknown) => {
      throw isUniqueViolation(error) ? duplicateDeal(id) : error;
    });
    await markDealsPending(trx, [id], now, CHANGE_REASONS.dealCreated);
    await markFitInputsChanged(trx, [id], now);
    await recordAudit(trx, actor, now, [{ action: 'create', entityType: 'deal', entityId: id, changes: changesBetween(null, auditView(row)) }]);
    return row;
  });
  ctx.pendingWork.notify();
  return created;
}

export async function updateDeal(ctx: ServiceContext, id: string, changes: DealChanges, actor: Actor): Promise<DealRow> {
  const updated = await ctx.db.transaction().execute(async (trx) => {
    const existing = await deals.findDeal(trx, id);
    if (!existing) throw notFound('Deal', id);
    const update: DealUpdate = { updated_at: ctx.now() };
    if (changes.amount !== undefined || changes.currency !== undefined) {
      // A currency change keeps the amount in major units: 100.50 USD → 100.50 EUR.
      const currency = changes.currency ?? existing.currency;
      const amount = changes.amount ?? toMajorUnits(existing.amount_minor, existing.currency);
      update.currency = currency;
      update.amount_minor = amountInMinorUnits(amount, currency);
    }
    if (changes.closed_at !== undefined) update.closed_at = changes.closed_at;
    if (changes.attribution_model !== undefined) update.attribution_model = changes.attribution_model;
    if (changes.status !== undefined) update.status = changes.status;
    await deals.updateDeal(trx, id, update);
    const next = { ...existing, ...update } as DealRow;
    const audited = changesBetween(auditView(existing), auditView(next));
    await markDealsPending(trx, [id], update.updated_at!, reasonForDealChange(existing, next));
    // The fits read a deal's status and closing date (its lookback window), not its amount or model.
    if (update.status !== undefined || update.closed_at !== undefined) await markFitInputsChanged(trx, [id], update.updated_at!);
    await recordAudit(trx, actor, update.updated_at!, [{ action: 'update', entityType: 'deal', entityId: id, changes: audited }]);
    return next;
  });
  ctx.pendingWork.notify();
  return updated;
}

export async function getDeal(ctx: ServiceContext, id: string): Promise<DealRow> {
  const row = await deals.findDeal(ctx.db, id);
  if (!row) throw notFound('Deal', id);
  return row;
}

/** The deal with its touchpoints, oldest first. */
export async function getDealWithTouchpoints(ctx: ServiceContext, id: string) {
  const deal = await getDeal(ctx, id);
  return { deal, touchpoints: await listDealTouchpoints(ctx.db, id) };
}

/** What a change to a deal did, in the words an adjustment carries. */
function reasonForDealChange(before: DealRow, after: DealRow): string {
  const reasons: string[] = [];
  if (before.status !== after.status) reasons.push(after.status === 'lost' ? CHANGE_REASONS.dealRefunded : CHANGE_REASONS.dealWon);
  if (before.amount_minor !== after.amount_minor) reasons.push(CHANGE_REASONS.amountChanged);
  if (before.currency !== after.currency) reasons.push(CHANGE_REASONS.currencyChanged);
  if (before.closed_at !== after.closed_at) reasons.push(CHANGE_REASONS.closedDateChanged);
  if (before.attribution_model !== after.attribution_model) reasons.push(CHANGE_REASONS.modelChanged);
  return reasons.length > 0 ? reasons.join(', ') : CHANGE_REASONS.recalculated;
}

/** A deal as the API shows it, for the audit log. */
const auditView = (row: DealRow) => ({
  amount: toMajorUnits(row.amount_minor, row.currency),
  currency: row.currency,
  closed_date: new Date(row.closed_at).toISOString(),
  attribution_model: row.attribution_model,
  status: row.status,
});

const duplicateDeal = (id: string) =>
  new AppError('conflict', `Deal '${id}' already exists`, [{ path: 'id', message: 'already exists' }]);

export type Deal = DealRow;

/** A page of deals, newest first, with the total matching the filter. */
export async function listDealsPage(ctx: ServiceContext, query: deals.DealListQuery) {
  return deals.listDeals(ctx.db, query);
}
