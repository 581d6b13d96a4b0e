import { chunks } from './chunks.js';
import { sql } from 'kysely';
import { compileOnce } from './compiled.js';
import { isPostgres, type Db } from './db.js';
import { idListParameter, idListTable } from './json-rows.js';
import type { AttributionFitsTable } from './schema.js';

/** A stored fit without its body: what every data-driven answer needs to know about it. */
export type FitHead = Omit<AttributionFitsTable, 'fit_json'>;

/** The current fit of each data-driven model, without the bodies (one small read). */
export async function listFitHeads(db: Db): Promise<FitHead[]> {
  const rows = await db
    .selectFrom('attribution_fits')
    .select(['model', 'version', 'fitted_at', 'lookback_days', 'won_deals', 'lost_deals'])
    .orderBy('model')
    .execute();
  return rows.map((row) => ({
    ...row,
    version: Number(row.version),
    fitted_at: Number(row.fitted_at),
    lookback_days: row.lookback_days === null ? null : Number(row.lookback_days),
    won_deals: Number(row.won_deals),
    lost_deals: Number(row.lost_deals),
  }));
}

/** The body of one fit version; undefined when that version is no longer the current one. */
export async function findFitJson(db: Db, model: string, version: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('attribution_fits')
    .select('fit_json')
    .where('model', '=', model)
    .where('version', '=', version)
    .executeTakeFirst();
  return row?.fit_json;
}

/** Stores the model's fit, replacing the one before it (callers give the next version). */
export async function storeNextFit(db: Db, fit: AttributionFitsTable): Promise<void> {
  const { model: _model, ...rest } = fit;
  await db
    .insertInto('attribution_fits')
    .values(fit)
    .onConflict((oc) => oc.column('model').doUpdateSet(rest))
    .execute();
}

/**
 * Records that the given deals changed in a way the fits read (status, closing date,
 * touchpoints). A deal already recorded is set back to unclaimed, and on PostgreSQL its row
 * stays locked until the writer commits, so a refit claiming it waits for the change to be visible.
 */
export async function markFitInputsChanged(db: Db, dealIds: readonly string[], now: number): Promise<void> {
  for (const chunk of chunks([...new Set(dealIds)].sort())) await markListedFitInputsChanged(db, [idListParameter(db, chunk), now]);
}

// Every touchpoint write runs it: one statement text whatever the count of deals.
const markListedFitInputsChanged = compileOnce(2, (db, [ids, enqueued_at]) =>
  db
    .insertInto('attribution_fit_pending')
    .columns(['deal_id', 'enqueued_at', 'claimed'])
    .expression((eb) =>
      eb
        .selectFrom(idListTable(db, ids!).as('listed'))
        .select([sql.ref<string>('listed.value').as('deal_id'), sql<number>`cast(${enqueued_at} as bigint)`.as('enqueued_at'), sql.lit(0).as('claimed')])
        .where(sql<boolean>`true`),
    )
    .onConflict((oc) => oc.column('deal_id').doUpdateSet({ claimed: 0 })),
);

/** Whether any change waits for a refit, and since when (epoch ms). */
export async function oldestFitChange(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('attribution_fit_pending')
    .select((eb) => eb.fn.min('enqueued_at').as('oldest'))
    .executeTakeFirst();
  return row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest);
}

/** A refit starts: every change recorded so far is marked as seen by it. Returns how many were new to it. */
export async function claimFitChanges(db: Db): Promise<number> {
  const result = await db
    .updateTable('attribution_fit_pending')
    .set({ claimed: 1 })
    .where('deal_id', 'in', (eb) => lockedInIdOrder(db, eb.selectFrom('attribution_fit_pending').select('deal_id').where('claimed', '=', 0)))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A refit is stored: the changes it saw are done; those recorded meanwhile wait for the next one. */
export async function clearClaimedFitChanges(db: Db): Promise<void> {
  await db
    .deleteFrom('attribution_fit_pending')
    .where('deal_id', 'in', (eb) => lockedInIdOrder(db, eb.selectFrom('attribution_fit_pending').select('deal_id').where('claimed', '=', 1)))
    .execute();
}

/**
 * PostgreSQL: the rows locked in id order, the order writers lock them in (`markFitInputsChanged`
 * sorts), so a refit and a writer holding rows of each other's never deadlock.
 */
function lockedInIdOrder<Q extends { orderBy: (column: 'deal_id') => Q; forUpdate: () => Q }>(db: Db, query: Q): Q {
  return isPostgres(db) ? query.orderBy('deal_id').forUpdate() : query;
}

// Any constant: refits of several instances store one after the other, never the same version twice.
const POSTGRES_REFIT_LOCK = 7_420_114;

/** Makes other transactions that store fits wait until this one ends (PostgreSQL; SQLite has one writer). */
export async function lockFits(db: Db): Promise<void> {
  if (isPostgres(db)) await sql`select pg_advisory_xact_lock(${POSTGRES_REFIT_LOCK})`.execute(db);
}
