import { collapseRepeats, dealPath, isDataDrivenModel, PATH_LINES, type AttributionOutcome } from '../../domain/attribution/index.js';
import { addDealDayDeltas, addPartnerDayDeltas, addPartnerMonthDeltas, addPartnerYearDeltas } from '../../storage/analytics-rollups.js';
import { listTouchpointsForDeals, type TouchpointRow } from '../../storage/attribution-inputs.js';
import {
  findDealsWithResults,
  findShareRows,
  writeResults,
  type DealWithResult,
  type ResultColumns,
  type ResultWrite,
  type StoredResult,
} from '../../storage/attribution-results.js';
import type { PendingDeal } from '../../storage/attribution-pending.js';
import { chunks } from '../../storage/chunks.js';
import type { Db } from '../../storage/db.js';
import { storeFitPaths } from '../../storage/fit-paths.js';
import type { AttributionFitPathsTable, AttributionShareRow, DealRow } from '../../storage/schema.js';
import { adjustBookedDeals } from '../payouts/adjustments.js';
import { rollupDeltas, type ResultContribution } from '../analytics/deltas.js';
import type { ServiceContext } from '../context.js';
import { computeAttribution, groupByDeal, ownModelOf, toTouchpoint } from './compute.js';
import { fitWindowMs } from './fit-input-counts.js';
import { FitsOutdatedError, type CurrentFits } from './fit-cache.js';
import { fitsMatch } from './fits.js';
import { ATTRIBUTION_SETTINGS_KEY, parseAttributionSettings, type StoredAttributionSettings } from './settings-values.js';

/** What recomputing results needs from the service context. */
export type RecomputeContext = Pick<ServiceContext, 'now' | 'defaultModel' | 'fits'>;

// Bounds the memory one step holds.
const DEALS_PER_STEP = 500;

/**
 * Recomputes and stores the result of every given deal that exists and is won (with its own
 * model), removes the result of a deal that is no longer won, and moves the rollups by the
 * difference. The caller's transaction must own the deals' pending rows (see
 * `takePendingDeals`): that is what keeps two transactions from recomputing one deal at once.
 */
export async function recomputeDeals(db: Db, ctx: RecomputeContext, taken: readonly PendingDeal[]): Promise<void> {
  const reasons = new Map(taken.map((pending) => [pending.deal_id, pending.reason]));
  for (const step of chunks([...reasons.keys()], DEALS_PER_STEP)) {
    const found = await findDealsWithResults(db, step, ATTRIBUTION_SETTINGS_KEY);
    // Deals are never deleted, so a deal id without a deal record has never had a result.
    if (found.length === 0) continue;
    const settings = parseAttributionSettings(found[0]!.settings, ctx.defaultModel);
    const fits = await fitsFor(db, ctx, found, settings);
    await recomputeFound(db, found, settings, fits, reasons, ctx.now());
  }
}

/**
 * The fits, when a won deal among `found` uses a data-driven model. Throws `FitsOutdatedError`
 * when they are missing or cut with another lookback window: fitting takes seconds, so the
 * caller fits outside its transaction and tries again (`withCurrentFits`).
 */
async function fitsFor(db: Db, ctx: RecomputeContext, found: readonly DealWithResult[], settings: StoredAttributionSettings) {
  if (!found.some(({ deal }) => deal.status === 'won' && isDataDrivenModel(deal.attribution_model))) return {};
  const fits = await ctx.fits.current(db);
  if (!fitsMatch(fits, settings.lookback_days)) throw new FitsOutdatedError();
  return fits;
}

async function recomputeFound(
  db: Db,
  found: readonly DealWithResult[],
  settings: StoredAttributionSettings,
  fits: CurrentFits,
  reasons: ReadonlyMap<string, string | null>,
  now: number,
) {
  const previous = await storedResults(db, found);
  // Lost deals too: their paths count in the fits.
  const touchpoints = groupByDeal(await listTouchpointsForDeals(db, found.map(({ deal }) => deal.id)));
  const writes: ResultWrite[] = [];
  const added: ResultContribution[] = [];
  for (const { deal } of found) {
    if (deal.status === 'won') {
      const own = touchpoints.get(deal.id) ?? [];
      const model = ownModelOf(deal);
      const outcome = computeAttribution(deal, own, model, settings, {}, fits);
      const fitVersion = isDataDrivenModel(model) ? fits[model]!.head.version : 0;
      const write = resultWrite(deal, outcome, own.length, settings, fitVersion, now, previous.get(deal.id) ?? null);
      writes.push(write);
      added.push(contributionOf(write.columns!, write.shares));
    } else if (previous.has(deal.id)) {
      writes.push({ dealId: deal.id, columns: undefined, shares: [], previous: previous.get(deal.id)! });
    }
  }
  await writeResults(db, writes);
  await storeFitPaths(db, found.map(({ deal }) => fitPathOf(deal, touchpoints.get(deal.id) ?? [], settings)));
  // In the same transaction as the results: no reader sees a moved payout without its adjustment.
  const payouts = new Map(writes.map((write) => [write.dealId, write.shares.map(payoutOf)]));
  await adjustBookedDeals(db, found.map(({ deal }) => ({ deal, payouts: payouts.get(deal.id) ?? [] })), reasons, now);
  const deltas = rollupDeltas(
    [...previous.values()].map((stored) => contributionOf(stored.columns, stored.shares)),
    added,
  );
  await addDealDayDeltas(db, deltas.dealDays);
  await addPartnerMonthDeltas(db, deltas.partnerMonths);
  await addPartnerDayDeltas(db, deltas.partnerDays);
  await addPartnerYearDeltas(db, deltas.partnerYears);
}

/** The deal's path as the fits read it, cut with the settings' window (see fit-inputs.ts), its repeats collapsed (counted the same, half the text to read). */
function fitPathOf(deal: DealRow, touchpoints: readonly TouchpointRow[], settings: StoredAttributionSettings): AttributionFitPathsTable {
  const won = deal.status === 'won';
  const { partners } = dealPath({ closedAt: deal.closed_at, won }, touchpoints.map(toTouchpoint), settings.lookback_days);
  return { deal_id: deal.id, won: won ? 1 : 0, window_ms: fitWindowMs(settings.lookback_days), path: collapseRepeats(partners).join(PATH_LINES.partner) };
}

function resultWrite(
  deal: DealRow,
  outcome: AttributionOutcome,
  touchpointCount: number,
  settings: StoredAttributionSettings,
  fitVersion: number,
  now: number,
  previous: StoredResult | null,
): ResultWrite {
  const columns: ResultColumns = {
    model: deal.attribution_model,
    currency: deal.currency,
    amount_minor: deal.amount_minor,
    closed_at: deal.closed_at,
    touchpoints: touchpointCount,
    fallback: outcome.fallback ? 1 : 0,
    settings_revision: settings.revision,
    fit_version: fitVersion,
    calculated_at: now,
  };
  const shares: AttributionShareRow[] = outcome.shares.map((share) => ({
    deal_id: deal.id,
    partner_id: share.partnerId,
    payout: share.payoutMinor,
    basis_points: share.basisPoints,
    touchpoints: share.touchpoints,
    roles: share.roles.join(','),
    currency: deal.currency,
    closed_at: deal.closed_at,
  }));
  return { dealId: deal.id, columns, shares, previous };
}

/** The stored results among `found`, with their shares. */
async function storedResults(db: Db, found: readonly DealWithResult[]): Promise<Map<string, StoredResult>> {
  const stored = found.filter(({ result }) => result !== undefined);
  if (stored.length === 0) return new Map();
  const shares = new Map<string, AttributionShareRow[]>();
  for (const share of await findShareRows(db, stored.map(({ deal }) => deal.id))) {
    const list = shares.get(share.deal_id);
    if (list) list.push(share);
    else shares.set(share.deal_id, [share]);
  }
  return new Map(stored.map(({ deal, result }) => [deal.id, { columns: result!, shares: shares.get(deal.id) ?? [] }]));
}

const payoutOf = (share: AttributionShareRow) => ({ partnerId: share.partner_id, currency: share.currency, amountMinor: share.payout });

function contributionOf(columns: ResultColumns, shares: readonly AttributionShareRow[]): ResultContribution {
  const { model, currency, amount_minor, closed_at, touchpoints } = columns;
  return { deal: { model, currency, amountMinor: amount_minor, closed_at, touchpoints }, shares };
}
