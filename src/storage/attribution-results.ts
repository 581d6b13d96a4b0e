import { chunks } from './chunks.js';
import { sql } from 'kysely';
import { compileOnce } from './compiled.js';
import { DEAL_COLUMNS } from './deals.js';
import { isPostgres, readSqliteRaw, type Db } from './db.js';
import { idListParameter, inIdList, insertJsonRows, toJsonRows, type JsonColumns } from './json-rows.js';
import { takeExcluded } from './upsert-sets.js';
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
    const rows = await dealsWithResultsAmong(db, [idListParameter(db, chunk), settingsKey]);
    for (const row of rows) found.push(toDealWithResult(row));
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
    .select(DEAL_COLUMNS)
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

// The propagation's first read: every drain step runs it.
const dealsWithResultsAmong = compileOnce<DealWithResultRow>(2, (db, [ids, settingsKey]) =>
  dealsWithResults(db, settingsKey!).where(inIdList(db, 'deals.id', ids)),
);

const dealWithResult = compileOnce<DealWithResultRow>(2, (db, [dealId, settingsKey]) =>
  dealsWithResults(db, settingsKey!).where('deals.id', '=', dealId!),
);

/** A deal with its result, the settings, whether it is pending, and its stored shares with the partners' current names. */
export interface DealWithStoredShares extends DealWithResult {
  shares: ShareWithName[];
}

/**
 * {@link findDealWithResult} and {@link findSharesWithNames} in one statement, from one snapshot:
 * a stored GET /attribution reads once. The shares come as one JSON array of arrays: a row per
 * share repeating the deal's 20 columns cost twice as much to read (docs/benchmark-history.md).
 * On SQLite outside a transaction the row is read as an array of values.
 */
export async function findDealWithStoredShares(db: Db, dealId: string, settingsKey: string): Promise<DealWithStoredShares | undefined> {
  const raw = await readSqliteRaw(db, (all) => {
    const { sql, parameters } = dealWithShares.statement(db, [dealId, settingsKey]);
    return all(sql, parameters) as SqliteDealWithShares[];
  });
  if (raw !== undefined) return raw.length === 0 ? undefined : fromSqliteRow(raw[0]!);
  // PostgreSQL, or inside a transaction: through Kysely.
  const [row] = await dealWithShares(db, [dealId, settingsKey]);
  if (!row) return undefined;
  return { ...toDealWithResult(row), shares: sharesFromJson(row.shares_json) };
}

/** pg parses json columns itself; SQLite answers text. PostgreSQL's json_agg of no rows is null. */
function sharesFromJson(json: unknown): ShareWithName[] {
  const list = (typeof json === 'string' ? JSON.parse(json) : json ?? []) as SharePositions[];
  return list.map(([partner_id, payout, basis_points, touchpoints, roles, partner_name]) => ({
    partner_id,
    payout,
    basis_points,
    touchpoints,
    roles,
    partner_name,
  }));
}

/** A share as `json_array` writes it: partner, payout, basis points, touchpoints, roles, partner name. */
type SharePositions = [string, number, number, number, string, string];

// GET /attribution's read: every request for a stored result runs it.
const dealWithShares = compileOnce(2, (db, [dealId, settingsKey]) => {
  const share = (column: string) => sql.ref(`share.${column}`);
  const fields = sql.join([share('partner_id'), share('payout'), share('basis_points'), share('touchpoints'), share('roles'), sql.ref('share_partner.name')]);
  const list = isPostgres(db) ? sql<unknown>`json_agg(json_build_array(${fields}))` : sql<unknown>`json_group_array(json_array(${fields}))`;
  return dealsWithResults(db, settingsKey!)
    .select((eb) =>
      eb
        .selectFrom('attribution_shares as share')
        .innerJoin('partners as share_partner', 'share_partner.id', 'share.partner_id')
        .whereRef('share.deal_id', '=', 'deals.id')
        .select(list.as('list'))
        .as('shares_json'),
    )
    .where('deals.id', '=', dealId!);
});

/**
 * SQLite: {@link dealWithShares}'s statement (the same text), read as an array of values rather
 * than a row object through Kysely: in better-sqlite3 alone about 20 µs of CPU instead of 27, and
 * Kysely's layers are spared too (docs/decisions.md). The shares stay one JSON column: a row per
 * share (a `union all` under the deal's row, its deal columns null) took about 36 µs, the extra
 * rows' values and steps costing more than the JSON. The positions follow the builder's select.
 */
type SqliteDealWithShares = [
  id: string,
  amount_minor: number,
  currency: string,
  closed_at: number,
  attribution_model: string,
  status: DealRow['status'],
  created_at: number,
  updated_at: number,
  settings: string | null,
  pending_deal_id: string | null,
  model: string | null,
  currency: string,
  amount_minor: number,
  closed_at: number,
  touchpoints: number,
  fallback: number,
  settings_revision: number,
  fit_version: number,
  calculated_at: number,
  shares_json: string,
];

function fromSqliteRow(row: SqliteDealWithShares): DealWithStoredShares {
  return {
    deal: { id: row[0], amount_minor: row[1], currency: row[2], closed_at: row[3], attribution_model: row[4], status: row[5], created_at: row[6], updated_at: row[7] },
    result:
      row[10] === null
        ? undefined
        : {
            model: row[10],
            currency: row[11],
            amount_minor: row[12],
            closed_at: row[13],
            touchpoints: row[14],
            fallback: row[15],
            settings_revision: row[16],
            fit_version: row[17],
            calculated_at: row[18],
          },
    settings: row[8],
    pending: row[9] !== null,
    shares: sharesFromJson(row[19]),
  };
}

// Field by field, not with rest patterns: those copy slowly, and this runs on every GET /attribution.
function toDealWithResult(row: DealWithResultRow): DealWithResult {
  const deal: DealRow = {
    id: row.id,
    amount_minor: row.amount_minor,
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
  for (const chunk of chunks(dealIds)) rows.push(...(await shareRowsAmong(db, [idListParameter(db, chunk)])));
  return rows;
}

const shareRowsAmong = compileOnce<AttributionShareRow>(1, (db, [ids]) =>
  db.selectFrom('attribution_shares').selectAll().where(inIdList(db, 'deal_id', ids)),
);

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

/** A deal's stored result and shares, as read before recomputing it. */
export interface StoredResult {
  columns: ResultColumns;
  shares: readonly AttributionShareRow[];
}

/** A deal's new result with its shares, or `columns: undefined` to remove its stored result. */
export interface ResultWrite {
  dealId: string;
  columns: ResultColumns | undefined;
  shares: readonly AttributionShareRow[];
  /** What is stored for the deal now (null: nothing): only what differs from it is written. */
  previous: StoredResult | null;
}

// Rows per statement: bounds the JSON text one statement holds.
const ROWS_PER_STATEMENT = 2000;

/*
 * An update in SQLite rewrites the entry of every index that holds a column it sets, changed or
 * not (results have four indexes). A recomputation usually moves only a few of a result's
 * columns (a new touchpoint changes the count, not the deal's model, currency or date), so a
 * result whose indexed columns keep their values is updated without them: that halved the cost
 * of storing results (docs/benchmark-history.md, "Write path"). Shares that did not move are not written;
 * shares of a deal whose partners stay the same are updated in place (an upsert), which spares
 * the table's B-tree a delete and an insert per share; only a deal whose partners changed, or
 * that lost its result, has its shares deleted first.
 */

/** Result columns in an index: a result whose values of these are unchanged is updated without them. */
const INDEXED_RESULT_COLUMNS = ['model', 'currency', 'closed_at', 'settings_revision', 'fit_version'] as const;

/** Replaces the stored results (and shares) of the given deals, writing only what changed. */
export async function writeResults(db: Db, writes: readonly ResultWrite[]): Promise<void> {
  const plan = planResultWrites(writes);
  for (const chunk of chunks(plan.sharesDeleted)) await deleteSharesOf(db, [idListParameter(db, chunk)]);
  for (const chunk of chunks(plan.resultsRemoved)) await deleteResultsOf(db, [idListParameter(db, chunk)]);
  for (const chunk of chunks(plan.sharesStored, ROWS_PER_STATEMENT)) await upsertShares(db, [toJsonRows(chunk, SHARE_COLUMNS_JSON)]);
  for (const chunk of chunks(plan.sharesRefreshed, ROWS_PER_STATEMENT)) await refreshShares(db, [toJsonRows(chunk, SHARE_COLUMNS_JSON)]);
  for (const chunk of chunks(plan.resultsStored, ROWS_PER_STATEMENT)) await upsertResults(db, [toJsonRows(chunk, RESULT_COLUMNS_JSON)]);
  for (const chunk of chunks(plan.resultsRefreshed, ROWS_PER_STATEMENT)) await refreshResults(db, [toJsonRows(chunk, RESULT_COLUMNS_JSON)]);
}

const SHARE_COLUMNS_JSON: JsonColumns<'attribution_shares'> = {
  deal_id: 'key',
  partner_id: 'key',
  payout: 'integer',
  basis_points: 'integer',
  touchpoints: 'integer',
  roles: 'text',
  currency: 'key',
  closed_at: 'integer',
};
const RESULT_COLUMNS_JSON: JsonColumns<'attribution_results'> = {
  deal_id: 'key',
  model: 'key',
  currency: 'key',
  amount_minor: 'integer',
  closed_at: 'integer',
  touchpoints: 'integer',
  fallback: 'integer',
  settings_revision: 'integer',
  fit_version: 'integer',
  calculated_at: 'integer',
};

const deleteSharesOf = compileOnce(1, (db, [ids]) => db.deleteFrom('attribution_shares').where(inIdList(db, 'deal_id', ids)));
const deleteResultsOf = compileOnce(1, (db, [ids]) => db.deleteFrom('attribution_results').where(inIdList(db, 'deal_id', ids)));

const upsertShares = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'attribution_shares', rowsJson!, SHARE_COLUMNS_JSON).onConflict((oc) =>
    oc.columns(['deal_id', 'partner_id']).doUpdateSet(takeExcluded(['payout', 'basis_points', 'touchpoints', 'roles', 'currency', 'closed_at'])),
  ),
);

// Only the columns neither covering index holds: a share whose payout stays (a deal of one
// partner gaining a touchpoint) then rewrites its row but no index entry.
const refreshShares = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'attribution_shares', rowsJson!, SHARE_COLUMNS_JSON).onConflict((oc) =>
    oc.columns(['deal_id', 'partner_id']).doUpdateSet(takeExcluded(['touchpoints', 'roles'])),
  ),
);

const upsertResults = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'attribution_results', rowsJson!, RESULT_COLUMNS_JSON).onConflict((oc) =>
    oc
      .column('deal_id')
      .doUpdateSet(
        takeExcluded(['model', 'currency', 'amount_minor', 'closed_at', 'touchpoints', 'fallback', 'settings_revision', 'fit_version', 'calculated_at']),
      ),
  ),
);

// Only the columns no index holds.
const refreshResults = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'attribution_results', rowsJson!, RESULT_COLUMNS_JSON).onConflict((oc) =>
    oc.column('deal_id').doUpdateSet(takeExcluded(['amount_minor', 'touchpoints', 'fallback', 'calculated_at'])),
  ),
);

/** Sorts each write's rows by the narrowest statements that store them. */
function planResultWrites(writes: readonly ResultWrite[]) {
  const plan = {
    /** Deals whose stored shares are deleted: their result is removed, or their partners changed. */
    sharesDeleted: [] as string[],
    /** Shares inserted, or updated in place where the deal keeps its partners. */
    sharesStored: [] as AttributionShareRow[],
    /** Shares updated in place whose indexed columns keep their values. */
    sharesRefreshed: [] as AttributionShareRow[],
    resultsRemoved: [] as string[],
    resultsStored: [] as AttributionResultRow[],
    /** Results whose indexed columns keep their values. */
    resultsRefreshed: [] as AttributionResultRow[],
  };
  for (const { dealId, columns, shares, previous } of writes) {
    if (columns === undefined) {
      plan.sharesDeleted.push(dealId);
      plan.resultsRemoved.push(dealId);
      continue;
    }
    const row = { deal_id: dealId, ...columns };
    if (previous !== null && INDEXED_RESULT_COLUMNS.every((column) => previous.columns[column] === columns[column])) plan.resultsRefreshed.push(row);
    else plan.resultsStored.push(row);
    if (previous === null || previous.shares.length === 0) {
      plan.sharesStored.push(...shares);
      continue;
    }
    if (!samePartners(previous.shares, shares)) {
      plan.sharesDeleted.push(dealId);
      plan.sharesStored.push(...shares);
      continue;
    }
    const stored = new Map(previous.shares.map((share) => [share.partner_id, share]));
    for (const share of shares) {
      const old = stored.get(share.partner_id)!;
      if (!INDEXED_SHARE_COLUMNS.every((column) => old[column] === share[column])) plan.sharesStored.push(share);
      else if (old.touchpoints !== share.touchpoints || old.roles !== share.roles) plan.sharesRefreshed.push(share);
    }
  }
  return plan;
}

// The columns the shares' covering indexes hold, besides the key.
const INDEXED_SHARE_COLUMNS = ['payout', 'basis_points', 'currency', 'closed_at'] as const;

function samePartners(before: readonly AttributionShareRow[], after: readonly AttributionShareRow[]): boolean {
  if (before.length !== after.length) return false;
  const partners = new Set(before.map((share) => share.partner_id));
  return after.every((share) => partners.has(share.partner_id));
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
