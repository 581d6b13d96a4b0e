import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import type { AttributionResultRow, AttributionShareRow, DealRow } from './schema.js';

/** The result columns of `attribution_results`. */
export type ResultColumns = Omit<AttributionResultRow, 'deal_id'>;

/** A deal with its stored result's columns (undefined when none is stored) and a setting's stored JSON. */
export interface DealWithResult {
  deal: DealRow;
  result: ResultColumns | undefined;
  /** The value of the setting `settingsKey`, read in the same statement; null when never set. */
  settings: string | null;
  /** Whether a change to the deal is still waiting to be propagated to its result. */
  pending: boolean;
}

/** The deals among `ids` that exist, each with its stored result, the settings and whether it is pending, in one read per chunk. */
export async function findDealsWithResults(db: Db, dealIds: readonly string[], settingsKey: string): Promise<DealWithResult[]> {
  const found: DealWithResult[] = [];
  for (const chunk of chunks(dealIds)) {
    const rows = await dealsWithResults(db, settingsKey).where('deals.id', 'in', chunk).execute();
    found.push(...rows.map(toDealWithResult));
  }
  return found;
}

/** One deal with its stored result, the settings and whether it is pending: GET /attribution's first read. */
export async function findDealWithResult(db: Db, dealId: string, settingsKey: string): Promise<DealWithResult | undefined> {
  const [row] = await dealWithResult(db, [dealId, settingsKey]);
  return row && toDealWithResult(row);
}

const dealsWithResults = (db: Db, settingsKey: string) =>
  db
    .selectFrom('deals')
    .leftJoin('attribution_results as result', 'result.deal_id', 'deals.id')
    .leftJoin('attribution_pending as pending', 'pending.deal_id', 'deals.id')
    .selectAll('deals')
    .select((eb) => eb.selectFrom('settings').select('value').where('key', '=', settingsKey).as('settings_value'))
    .select([
      'pending.deal_id as pending_deal_id',
      'result.model as result_model',
      'result.currency as result_currency',
      'result.amount_minor as result_amount_minor',
      'result.closed_at as result_closed_at',
      'result.touchpoints as result_touchpoints',
      'result.fallback as result_fallback',
      'result.settings_revision as result_settings_revision',
      'result.fit_version as result_fit_version',
      'result.calculated_at as result_calculated_at',
    ]);

type DealWithResultRow = Awaited<ReturnType<ReturnType<typeof dealsWithResults>['execute']>>[number];

/** A deal with its result, the settings, whether it is pending, and its stored shares with the partners' current names. */
export interface DealWithStoredShares extends DealWithResult {
  shares: ShareWithName[];
}

/**
 * {@link findDealWithResult} and {@link findSharesWithNames} in one statement (one row per share,
 * or one without a share): a stored GET /attribution reads once, from one snapshot.
 */
export async function findDealWithStoredShares(db: Db, dealId: string, settingsKey: string): Promise<DealWithStoredShares | undefined> {
  const rows = await dealWithShares(db, [dealId, settingsKey]);
  const first = rows[0];
  if (!first) return undefined;
  const shares: ShareWithName[] = [];
  for (const row of rows) {
    if (row.share_partner_id === null) continue;
    shares.push({
      partner_id: row.share_partner_id,
      payout: row.share_payout!,
      basis_points: row.share_basis_points!,
      touchpoints: row.share_touchpoints!,
      roles: row.share_roles!,
      partner_name: row.share_partner_name!,
    });
  }
  return { ...toDealWithResult(first), shares };
}

// GET /attribution's read: every request for a stored result runs it.
const dealWithShares = compileOnce(2, (db, [dealId, settingsKey]) =>
  dealsWithResults(db, settingsKey!)
    .leftJoin('attribution_shares as share', 'share.deal_id', 'deals.id')
    .leftJoin('partners as share_partner', 'share_partner.id', 'share.partner_id')
    .select([
      'share.partner_id as share_partner_id',
      'share.payout as share_payout',
      'share.basis_points as share_basis_points',
      'share.touchpoints as share_touchpoints',
      'share.roles as share_roles',
      'share_partner.name as share_partner_name',
    ])
    .where('deals.id', '=', dealId!),
);

const dealWithResult = compileOnce<DealWithResultRow>(2, (db, [dealId, settingsKey]) =>
  dealsWithResults(db, settingsKey!).where('deals.id', '=', dealId!),
);

// Field by field, not with rest patterns: those copy slowly, and this runs on every GET /attribution.
function toDealWithResult(row: DealWithResultRow): DealWithResult {
  const deal: DealRow = {
    id: row.id,
    amount: row.amount,
    currency: row.currency,
    closed_at: row.closed_at,
    attribution_model: row.attribution_model,
    status: row.status,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
  const result: ResultColumns | undefined =
    row.result_model === null
      ? undefined
      : {
          model: row.result_model,
          currency: row.result_currency!,
          amount_minor: row.result_amount_minor!,
          closed_at: row.result_closed_at!,
          touchpoints: row.result_touchpoints!,
          fallback: row.result_fallback!,
          settings_revision: row.result_settings_revision!,
          fit_version: Number(row.result_fit_version!),
          calculated_at: row.result_calculated_at!,
        };
  return { deal, result, settings: row.settings_value, pending: row.pending_deal_id !== null };
}

export async function findShareRows(db: Db, dealIds: readonly string[]): Promise<AttributionShareRow[]> {
  const rows: AttributionShareRow[] = [];
  for (const chunk of chunks(dealIds)) {
    rows.push(...(await db.selectFrom('attribution_shares').selectAll().where('deal_id', 'in', chunk).execute()));
  }
  return rows;
}

/** A deal's stored shares with the partners' current names. */
export async function findSharesWithNames(db: Db, dealId: string) {
  return sharesWithNames(db, [dealId]);
}

const sharesWithNames = compileOnce<ShareWithName>(1, (db, [dealId]) =>
  db
    .selectFrom('attribution_shares')
    .innerJoin('partners', 'partners.id', 'attribution_shares.partner_id')
    .select([
      'attribution_shares.partner_id',
      'attribution_shares.payout',
      'attribution_shares.basis_points',
      'attribution_shares.touchpoints',
      'attribution_shares.roles',
      'partners.name as partner_name',
    ])
    .where('attribution_shares.deal_id', '=', dealId!),
);

export interface ShareWithName {
  partner_id: string;
  payout: number;
  basis_points: number;
  touchpoints: number;
  roles: string;
  partner_name: string;
}

/** A deal's new result with its shares, or `columns: undefined` to remove its stored result. */
export interface ResultWrite {
  dealId: string;
  columns: ResultColumns | undefined;
  shares: readonly AttributionShareRow[];
}

// Shares have 8 columns: 4000 rows stay under SQLite's 32766 bound parameters.
const SHARE_ROWS_PER_INSERT = 4000;
const RESULT_ROWS_PER_UPSERT = 500;

/** Replaces the stored results (and shares) of the given deals. */
export async function writeResults(db: Db, writes: readonly ResultWrite[]): Promise<void> {
  if (writes.length === 0) return;
  for (const chunk of chunks(writes.map((write) => write.dealId))) {
    await db.deleteFrom('attribution_shares').where('deal_id', 'in', chunk).execute();
  }
  const removed = writes.filter((write) => write.columns === undefined).map((write) => write.dealId);
  for (const chunk of chunks(removed)) {
    await db.deleteFrom('attribution_results').where('deal_id', 'in', chunk).execute();
  }
  for (const chunk of chunks(writes.flatMap((write) => write.shares), SHARE_ROWS_PER_INSERT)) {
    await db.insertInto('attribution_shares').values(chunk).execute();
  }
  const stored = writes.flatMap((write) => (write.columns ? [{ deal_id: write.dealId, ...write.columns }] : []));
  for (const chunk of chunks(stored, RESULT_ROWS_PER_UPSERT)) {
    await db
      .insertInto('attribution_results')
      .values(chunk)
      .onConflict((oc) =>
        oc.column('deal_id').doUpdateSet((eb) => ({
          model: eb.ref('excluded.model'),
          currency: eb.ref('excluded.currency'),
          amount_minor: eb.ref('excluded.amount_minor'),
          closed_at: eb.ref('excluded.closed_at'),
          touchpoints: eb.ref('excluded.touchpoints'),
          fallback: eb.ref('excluded.fallback'),
          settings_revision: eb.ref('excluded.settings_revision'),
          fit_version: eb.ref('excluded.fit_version'),
          calculated_at: eb.ref('excluded.calculated_at'),
        })),
      )
      .execute();
  }
}

/** What makes a stored result current, besides its deal: the settings revisions and the fit versions. */
export interface CurrentInputs {
  /** Models that read settings other than the lookback window; their results need `revision`. */
  settingsModels: readonly string[];
  revision: number;
  /** Every model's results need at least this revision (the last lookback change). */
  lookbackRevision: number;
  /** Each data-driven model's current fit version. */
  fitVersions: Readonly<Record<string, number>>;
}

/**
 * Deals whose stored result was computed under older settings or with a fit that is no longer
 * current. One indexed query per condition (an `or` of them would read every result).
 */
export async function listOutdatedResultIds(db: Db, current: CurrentInputs): Promise<string[]> {
  const ids = new Set<string>();
  const results = () => db.selectFrom('attribution_results').select('deal_id');
  const add = (rows: { deal_id: string }[]) => rows.forEach((row) => ids.add(row.deal_id));
  if (current.lookbackRevision > 0) add(await results().where('settings_revision', '<', current.lookbackRevision).execute());
  if (current.revision > 0 && current.settingsModels.length > 0) {
    add(await results().where('settings_revision', '<', current.revision).where('model', 'in', [...current.settingsModels]).execute());
  }
  for (const [model, version] of Object.entries(current.fitVersions)) {
    add(await results().where('model', '=', model).where('fit_version', '!=', version).execute());
  }
  return [...ids];
}
