import { chunks } from './attribution-inputs.js';
import type { Db } from './db.js';
import type { AttributionResultRow, AttributionShareRow, DealRow } from './schema.js';

/** The result columns of `attribution_results`; all null means "no stored result". */
export type ResultColumns = Omit<AttributionResultRow, 'deal_id' | 'revision'>;

export const NO_RESULT: ResultColumns = {
  model: null,
  currency: null,
  amount: null,
  closed_at: null,
  touchpoints: null,
  fallback: null,
  settings_revision: null,
  calculated_at: null,
};

/**
 * Bumps each deal's revision, creating its row if needed. On PostgreSQL the upsert holds the
 * row lock until commit, so two transactions changing the same deal's inputs run one after the
 * other and the second one computes from what the first committed. Ids are locked in sorted
 * order so that two batches cannot deadlock on each other.
 */
export async function lockDealAttributions(db: Db, dealIds: readonly string[]): Promise<void> {
  for (const chunk of chunks([...dealIds].sort())) {
    await db
      .insertInto('attribution_results')
      .values(chunk.map((deal_id) => ({ deal_id, revision: 1 })))
      .onConflict((oc) =>
        oc.column('deal_id').doUpdateSet((eb) => ({ revision: eb('attribution_results.revision', '+', 1) })),
      )
      .execute();
  }
}

/** A deal with its stored result's columns (undefined when none is stored) and a setting's stored JSON. */
export interface DealWithResult {
  deal: DealRow;
  result: ResultColumns | undefined;
  /** The value of the setting `settingsKey`, read in the same statement; null when never set. */
  settings: string | null;
}

/** The deals among `ids` that exist, each with its stored result and the settings, in one read per chunk. */
export async function findDealsWithResults(db: Db, dealIds: readonly string[], settingsKey: string): Promise<DealWithResult[]> {
  const found: DealWithResult[] = [];
  for (const chunk of chunks(dealIds)) {
    const rows = await db
      .selectFrom('deals')
      .leftJoin('attribution_results as result', 'result.deal_id', 'deals.id')
      .selectAll('deals')
      .select((eb) => eb.selectFrom('settings').select('value').where('key', '=', settingsKey).as('settings_value'))
      .select([
        'result.model as result_model',
        'result.currency as result_currency',
        'result.amount as result_amount',
        'result.closed_at as result_closed_at',
        'result.touchpoints as result_touchpoints',
        'result.fallback as result_fallback',
        'result.settings_revision as result_settings_revision',
        'result.calculated_at as result_calculated_at',
      ])
      .where('deals.id', 'in', chunk)
      .execute();
    for (const row of rows) {
      const { result_model, result_currency, result_amount, result_closed_at, result_touchpoints, ...rest } = row;
      const { result_fallback, result_settings_revision, result_calculated_at, settings_value, ...deal } = rest;
      const result: ResultColumns | undefined =
        result_model === null
          ? undefined
          : {
              model: result_model,
              currency: result_currency,
              amount: result_amount,
              closed_at: result_closed_at,
              touchpoints: result_touchpoints,
              fallback: result_fallback,
              settings_revision: result_settings_revision,
              calculated_at: result_calculated_at,
            };
      found.push({ deal, result, settings: settings_value });
    }
  }
  return found;
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
  return db
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
    .where('attribution_shares.deal_id', '=', dealId)
    .execute();
}

export interface ResultWrite {
  dealId: string;
  columns: ResultColumns;
  shares: readonly AttributionShareRow[];
}

// Shares have 8 columns: 4000 rows stay under SQLite's 32766 bound parameters.
const SHARE_ROWS_PER_INSERT = 4000;

/** Replaces the stored results (and shares) of the given deals; the rows must exist (locked). */
export async function writeResults(db: Db, writes: readonly ResultWrite[]): Promise<void> {
  if (writes.length === 0) return;
  for (const chunk of chunks(writes.map((write) => write.dealId))) {
    await db.deleteFrom('attribution_shares').where('deal_id', 'in', chunk).execute();
  }
  const shares = writes.flatMap((write) => write.shares);
  for (let start = 0; start < shares.length; start += SHARE_ROWS_PER_INSERT) {
    await db
      .insertInto('attribution_shares')
      .values(shares.slice(start, start + SHARE_ROWS_PER_INSERT))
      .execute();
  }
  for (const chunk of chunks(writes, 500)) {
    await db
      .insertInto('attribution_results')
      .values(chunk.map((write) => ({ deal_id: write.dealId, revision: 1, ...write.columns })))
      .onConflict((oc) =>
        oc.column('deal_id').doUpdateSet((eb) => ({
          model: eb.ref('excluded.model'),
          currency: eb.ref('excluded.currency'),
          amount: eb.ref('excluded.amount'),
          closed_at: eb.ref('excluded.closed_at'),
          touchpoints: eb.ref('excluded.touchpoints'),
          fallback: eb.ref('excluded.fallback'),
          settings_revision: eb.ref('excluded.settings_revision'),
          calculated_at: eb.ref('excluded.calculated_at'),
        })),
      )
      .execute();
  }
}

/** Deals whose stored result was computed under settings older than `revision`. */
export async function listOutdatedResultIds(db: Db, revision: number): Promise<string[]> {
  const rows = await db.selectFrom('attribution_results').select('deal_id').where('settings_revision', '<', revision).execute();
  return rows.map((row) => row.deal_id);
}

/** Every deal id whose stored result uses one of `models`. */
export async function listResultIdsForModels(db: Db, models: readonly string[]): Promise<string[]> {
  const rows = await db.selectFrom('attribution_results').select('deal_id').where('model', 'in', [...models]).execute();
  return rows.map((row) => row.deal_id);
}
