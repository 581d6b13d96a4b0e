import {
  MODEL_NAMES,
  describeRoles,
  isDataDrivenModel,
  type AttributionOutcome,
  type ModelName,
  type TouchpointType,
} from '../../domain/attribution/index.js';
import { byPayoutThenPartner } from '../../domain/ranking.js';
import { AppError, notFound } from '../../errors.js';
import { findPartnerNames, hasTouchpointOnDeal, listTouchpointsForDeals } from '../../storage/attribution-inputs.js';
import {
  findDealWithResult,
  findDealWithStoredShares,
  findSharesWithNames,
  type DealWithResult,
  type ResultColumns,
  type ShareWithName,
} from '../../storage/attribution-results.js';
import type { DealRow } from '../../storage/schema.js';
import type { ServiceContext } from '../context.js';
import type { FitHead } from '../../storage/attribution-fits.js';
import { computeAttribution, ownModelOf, type AttributionOverrides } from './compute.js';
import type { CurrentFits } from './fit-cache.js';
import { ensureCurrentFits } from './fits.js';
import { finishPendingDeal, recomputeDealNow } from './pending-work.js';
import {
  ATTRIBUTION_SETTINGS_KEY,
  oldestCurrentRevision,
  parseAttributionSettings,
  type StoredAttributionSettings,
} from './settings-values.js';

/** One partner's line in an attribution, roles ordered by the current role weights. */
export interface AttributionEntry {
  partnerId: string;
  partnerName: string;
  basisPoints: number;
  payoutMinor: number;
  touchpoints: number;
  roles: TouchpointType[];
}

export interface AttributionView {
  deal: DealRow;
  model: ModelName;
  entries: AttributionEntry[];
  fallback: boolean;
  calculatedAt: number;
  cached: boolean;
  /** The fit a data-driven answer was computed with. */
  fit?: FitHead | undefined;
}

export interface AttributionRequest extends AttributionOverrides {
  /** Another model than the deal's own: computed, never stored. */
  model?: ModelName | undefined;
  recalculate?: boolean | undefined;
  /** A partner-bound caller sees the deal only if it touched it, and then only its own entry. */
  viewerPartnerId?: string | null | undefined;
}

/**
 * The deal's attribution. With its own model and the settings' half-life, the stored result
 * (`cached: true`) unless it is missing or `recalculate` is set; otherwise a fresh computation.
 * The stored answer takes one read: the deal with its result, its shares, the settings and whether
 * a change is pending. A pending deal is brought up to date first.
 */
export async function getAttribution(ctx: ServiceContext, dealId: string, request: AttributionRequest = {}): Promise<AttributionView> {
  const overridden = request.halfLifeDays !== undefined || request.lookbackDays !== undefined;
  const { deal, result, settings, shares } = await findAttributableDeal(ctx, dealId, request.viewerPartnerId, !request.recalculate && !overridden);
  const model = request.model ?? ownModelOf(deal);
  let view: AttributionView;
  if (model !== deal.attribution_model || overridden) {
    view = await computeWhatIf(ctx, deal, model, settings, request);
  } else {
    const stored = request.recalculate ? undefined : await readStoredView(ctx, deal, result, settings, shares);
    view = stored ?? (await recalculateAttribution(ctx, dealId, request.viewerPartnerId));
  }
  return onlyViewer(view, request.viewerPartnerId);
}

/** Recomputes and stores the deal's result with its own model (`cached: false`). */
export async function recalculateAttribution(ctx: ServiceContext, dealId: string, viewerPartnerId?: string | null): Promise<AttributionView> {
  await findAttributableDeal(ctx, dealId, viewerPartnerId);
  await recomputeDealNow(ctx, dealId);
  // Read back what was stored: a concurrent change may have made the deal lost meanwhile.
  const { deal, result, settings } = await findAttributableDeal(ctx, dealId, viewerPartnerId);
  const view = await readStoredView(ctx, deal, result, settings);
  if (!view) throw new AppError('internal', `no stored attribution for deal '${dealId}' after recalculation`);
  return onlyViewer({ ...view, cached: false }, viewerPartnerId);
}

/** Every model's attribution of the deal, side by side, computed now from its touchpoints, with the fits used. */
export async function compareAttributionModels(ctx: ServiceContext, dealId: string, overrides: AttributionOverrides = {}) {
  const { deal, settings } = await findAttributableDeal(ctx, dealId);
  const fits = await ensureCurrentFits(ctx);
  const touchpoints = await listTouchpointsForDeals(ctx.db, [dealId]);
  const names = await findPartnerNames(ctx.db, touchpoints.map((row) => row.partner_id));
  const models = MODEL_NAMES.map((model) => {
    const outcome = computeAttribution(deal, touchpoints, model, settings, overrides, fits);
    return [model, entriesOf(outcome, names, settings)] as const;
  });
  return {
    deal,
    models: Object.fromEntries(models) as Record<ModelName, AttributionEntry[]>,
    fits: { markov: fits.markov?.head, shapley: fits.shapley?.head },
  };
}

/**
 * The deal with its stored result and the settings, if it can be attributed: 404 when it does
 * not exist (or a partner-bound caller has no touchpoint on it), 409 `deal_not_won` when lost.
 */
export async function findAttributableDeal(ctx: ServiceContext, dealId: string, viewerPartnerId?: string | null, withShares = false) {
  const read = (): Promise<(DealWithResult & { shares?: ShareWithName[] }) | undefined> =>
    withShares
      ? findDealWithStoredShares(ctx.db, dealId, ATTRIBUTION_SETTINGS_KEY)
      : findDealWithResult(ctx.db, dealId, ATTRIBUTION_SETTINGS_KEY);
  let found = await read();
  if (found?.pending || (found && (await isOutdated(found, ctx)))) {
    await (found.pending ? finishPendingDeal(ctx, dealId) : recomputeDealNow(ctx, dealId));
    found = await read();
  }
  if (!found) throw notFound('Deal', dealId);
  if (viewerPartnerId && !(await hasTouchpointOnDeal(ctx.db, dealId, viewerPartnerId))) throw notFound('Deal', dealId);
  if (found.deal.status !== 'won') {
    throw new AppError('deal_not_won', `Deal '${dealId}' is ${found.deal.status}: only won deals are attributed`);
  }
  const settings = parseAttributionSettings(found.settings, ctx.defaultModel);
  return { deal: found.deal, result: found.result, settings, shares: found.shares };
}

/**
 * A result a change raced: computed under settings its model no longer uses, or with a fit that
 * is no longer current (a refit marks such results pending, but a recomputation in flight can
 * still store one).
 */
async function isOutdated({ result, settings }: DealWithResult, ctx: ServiceContext): Promise<boolean> {
  if (!result) return false;
  if (result.settings_revision < oldestCurrentRevision(result.model, parseAttributionSettings(settings, ctx.defaultModel))) return true;
  if (!isDataDrivenModel(result.model)) return false;
  return (await ctx.fits.current(ctx.db))[result.model]?.head.version !== result.fit_version;
}

/**
 * The stored result, unless there is none or it was computed under settings its model no longer
 * uses. `shares`: its shares when they were read with it (read here otherwise).
 */
async function readStoredView(
  ctx: ServiceContext,
  deal: DealRow,
  result: ResultColumns | undefined,
  settings: StoredAttributionSettings,
  shares?: readonly ShareWithName[],
): Promise<AttributionView | undefined> {
  if (!result || result.model !== deal.attribution_model) return undefined;
  if (result.settings_revision < oldestCurrentRevision(result.model, settings)) return undefined;
  const model = ownModelOf(deal);
  let fit: FitHead | undefined;
  if (isDataDrivenModel(model)) {
    fit = (await ctx.fits.current(ctx.db))[model]?.head;
    if (fit?.version !== result.fit_version) return undefined;
  }
  const entries = (shares ?? (await findSharesWithNames(ctx.db, deal.id))).map((share) => ({
    partnerId: share.partner_id,
    partnerName: share.partner_name,
    basisPoints: share.basis_points,
    payoutMinor: share.payout,
    touchpoints: share.touchpoints,
    roles: describeRoles(share.roles.split(',') as TouchpointType[], settings.role_weights),
  }));
  return {
    deal,
    model,
    entries: entries.sort(byPayoutThenPartner),
    fallback: result.fallback === 1,
    calculatedAt: result.calculated_at,
    cached: true,
    fit,
  };
}

async function computeWhatIf(
  ctx: ServiceContext,
  deal: DealRow,
  model: ModelName,
  settings: StoredAttributionSettings,
  overrides: AttributionOverrides,
): Promise<AttributionView> {
  const fits = await fitsForModel(ctx, model);
  const touchpoints = await listTouchpointsForDeals(ctx.db, [deal.id]);
  const names = await findPartnerNames(ctx.db, touchpoints.map((row) => row.partner_id));
  const outcome = computeAttribution(deal, touchpoints, model, settings, overrides, fits);
  const entries = entriesOf(outcome, names, settings);
  const fit = isDataDrivenModel(model) ? fits[model]?.head : undefined;
  return { deal, model, entries, fallback: outcome.fallback === 'equal', calculatedAt: ctx.now(), cached: false, fit };
}

/** The current fits when `model` needs one (fitted now if there is none yet), none otherwise. */
export async function fitsForModel(ctx: ServiceContext, model: ModelName): Promise<CurrentFits> {
  return isDataDrivenModel(model) ? ensureCurrentFits(ctx) : {};
}

function entriesOf(outcome: AttributionOutcome, names: Map<string, string>, settings: StoredAttributionSettings): AttributionEntry[] {
  return outcome.shares.map((share) => ({
    partnerId: share.partnerId,
    partnerName: names.get(share.partnerId) ?? share.partnerId,
    basisPoints: share.basisPoints,
    payoutMinor: share.payoutMinor,
    touchpoints: share.touchpoints,
    roles: describeRoles(share.roles, settings.role_weights),
  }));
}

function onlyViewer(view: AttributionView, viewerPartnerId: string | null | undefined): AttributionView {
  if (!viewerPartnerId) return view;
  return { ...view, entries: view.entries.filter((entry) => entry.partnerId === viewerPartnerId) };
}
