import type { AttributionOutcome } from '../domain/attribution/index.js';
import { addDealDayDeltas, addPartnerMonthDeltas, addTouchpointDayDeltas } from '../storage/analytics-rollups.js';
import { chunks, listTouchpointsForDeals } from '../storage/attribution-inputs.js';
import {
  NO_RESULT,
  findDealsWithResults,
  findShareRows,
  listOutdatedResultIds,
  lockDealAttributions,
  writeResults,
  type DealWithResult,
  type ResultColumns,
  type ResultWrite,
} from '../storage/attribution-results.js';
import type { Db } from '../storage/db.js';
import type { AttributionShareRow, DealRow } from '../storage/schema.js';
import { rollupDeltas, touchpointDeltas, type ResultContribution } from './analytics-deltas.js';
import { computeAttribution, dependsOnSettings, groupByDeal, ownModelOf } from './attribution-compute.js';
import type { ServiceContext } from './context.js';
import { ATTRIBUTION_SETTINGS_KEY, parseAttributionSettings, readAttributionSettings, type StoredAttributionSettings } from './settings.js';

/** What keeping results current needs from the service context. */
export type SyncContext = Pick<ServiceContext, 'now' | 'defaultModel'>;

/** The facts of a touchpoint the rollups and the sync need. */
export interface TouchpointFacts {
  deal_id: string;
  touchpoint_type: string;
  timestamp: number;
}

// Bounds the memory one step holds: a settings change over every deal goes step by step.
const DEALS_PER_STEP = 500;

/**
 * Keeps stored results and the analytics rollups current after touchpoints were inserted or
 * deleted. Call it inside the transaction that changed them, so both commit or neither does.
 */
export async function syncAfterTouchpointChanges(
  db: Db,
  ctx: SyncContext,
  changes: { added?: readonly TouchpointFacts[]; removed?: readonly TouchpointFacts[] },
): Promise<void> {
  await addTouchpointDayDeltas(db, touchpointDeltas(changes.added ?? [], changes.removed ?? []));
  const dealIds = [...(changes.added ?? []), ...(changes.removed ?? [])].map((facts) => facts.deal_id);
  await syncDealAttributions(db, ctx, dealIds);
}

/**
 * Recomputes and stores the result of every given deal that exists and is won (with its own
 * model), clears the result of a deal that is no longer won, and moves the rollups by the
 * difference. Call it inside the transaction that changed the deals' inputs: it first locks
 * the deals (see `lockDealAttributions`) and only then reads them, their touchpoints and the
 * settings, so what it stores is computed from committed data plus this transaction's own.
 */
export async function syncDealAttributions(db: Db, ctx: SyncContext, dealIds: readonly string[]): Promise<void> {
  if (dealIds.length === 0) return;
  await lockDealAttributions(db, dealIds);
  for (const step of chunks(dealIds, DEALS_PER_STEP)) {
    const found = await findDealsWithResults(db, step, ATTRIBUTION_SETTINGS_KEY);
    // Deals are never deleted, so a deal id without a deal record has never had a result.
    if (found.length === 0) continue;
    const settings = parseAttributionSettings(found[0]!.settings, ctx.defaultModel);
    await syncExistingDeals(db, found, settings, ctx.now());
  }
}

async function syncExistingDeals(
  db: Db,
  found: readonly DealWithResult[],
  settings: StoredAttributionSettings,
  now: number,
): Promise<void> {
  const previous = await previousContributions(db, found);
  const won = found.filter(({ deal }) => deal.status === 'won').map(({ deal }) => deal);
  const touchpoints = groupByDeal(won.length > 0 ? await listTouchpointsForDeals(db, won.map((deal) => deal.id)) : []);
  const writes: ResultWrite[] = [];
  const added: ResultContribution[] = [];
  for (const { deal } of found) {
    if (deal.status === 'won') {
      const own = touchpoints.get(deal.id) ?? [];
      const write = resultWrite(deal, computeAttribution(deal, own, ownModelOf(deal), settings), own.length, settings, now);
      writes.push(write);
      added.push(contributionOf(write));
    } else if (previous.has(deal.id)) {
      writes.push({ dealId: deal.id, columns: NO_RESULT, shares: [] });
    }
  }
  await writeResults(db, writes);
  const deltas = rollupDeltas([...previous.values()], added);
  await addDealDayDeltas(db, deltas.dealDays);
  await addPartnerMonthDeltas(db, deltas.partnerMonths);
}

function resultWrite(
  deal: DealRow,
  outcome: AttributionOutcome,
  touchpointCount: number,
  settings: StoredAttributionSettings,
  now: number,
): ResultWrite {
  const columns: ResultColumns = {
    model: deal.attribution_model,
    currency: deal.currency,
    amount: deal.amount,
    closed_at: deal.closed_at,
    touchpoints: touchpointCount,
    fallback: outcome.fallback ? 1 : 0,
    settings_revision: dependsOnSettings(deal.attribution_model) ? settings.revision : null,
    calculated_at: now,
  };
  const shares: AttributionShareRow[] = outcome.shares.map((share) => ({
    deal_id: deal.id,
    partner_id: share.partnerId,
    payout: share.payout,
    basis_points: share.basisPoints,
    touchpoints: share.touchpoints,
    roles: share.roles.join(','),
    currency: deal.currency,
    closed_at: deal.closed_at,
  }));
  return { dealId: deal.id, columns, shares };
}

/** The stored results among `found`, as what they added to the rollups. */
async function previousContributions(db: Db, found: readonly DealWithResult[]): Promise<Map<string, ResultContribution>> {
  const stored = found.filter(({ result }) => result !== undefined);
  if (stored.length === 0) return new Map();
  const shares = new Map<string, AttributionShareRow[]>();
  for (const share of await findShareRows(db, stored.map(({ deal }) => deal.id))) {
    const list = shares.get(share.deal_id);
    if (list) list.push(share);
    else shares.set(share.deal_id, [share]);
  }
  return new Map(
    stored.map(({ deal, result }) => [
      deal.id,
      contributionOf({ dealId: deal.id, columns: result!, shares: shares.get(deal.id) ?? [] }),
    ]),
  );
}

function contributionOf({ columns, shares }: ResultWrite): ResultContribution {
  return {
    deal: {
      model: columns.model ?? '',
      currency: columns.currency ?? '',
      amount: columns.amount ?? 0,
      closed_at: columns.closed_at ?? 0,
      touchpoints: columns.touchpoints ?? 0,
    },
    shares,
  };
}

/**
 * Recomputes the results that were computed under older settings: a write that raced a
 * settings change on PostgreSQL can leave one behind. Readers that aggregate call this first;
 * it costs one indexed query when, as almost always, there is none.
 */
export async function syncOutdatedResults(ctx: ServiceContext): Promise<void> {
  const { revision } = await readAttributionSettings(ctx.db, ctx.defaultModel);
  const ids = await listOutdatedResultIds(ctx.db, revision);
  if (ids.length > 0) await ctx.db.transaction().execute((trx) => syncDealAttributions(trx, ctx, ids));
}
