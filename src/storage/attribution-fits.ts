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

/**
 * Stores the model's fit, replacing the one before it (callers give the next version). The
 * replacement takes the `excluded` row's values, so the megabytes of `fit_json` are sent once, not
 * twice (as the insert's values and again as the update's).
 */
export async function storeNextFit(db: Db, fit: AttributionFitsTable): Promise<void> {
  await db
    .insertInto('attribution_fits')
    .values(fit)
    .onConflict((oc) =>
      oc.column('model').doUpdateSet((eb) => ({
        version: eb.ref('excluded.version'),
        fitted_at: eb.ref('excluded.fitted_at'),
        lookback_days: eb.ref('excluded.lookback_days'),
        won_deals: eb.ref('excluded.won_deals'),
        lost_deals: eb.ref('excluded.lost_deals'),
        fit_json: eb.ref('excluded.fit_json'),
      })),
    )
    .execute();
}

/**
 * Records that the given deals changed in a way the fits read (status, closing date,
 * touchpoints), each with a new change number: a refit that already started (claimed the numbers
 * before) leaves it for the next one. A deal already recorded keeps its first time and takes the new number.
 */
export async function markFitInputsChanged(db: Db, dealIds: readonly string[], now: number): Promise<void> {
  for (const chunk of chunks([...new Set(dealIds)].sort())) {
    await markListedFitInputsChanged(db, [idListParameter(db, chunk), now]);
    if (!isPostgres(db)) await bumpSqliteChangeCounter(db, []);
  }
}

// Every touchpoint write runs it: one statement text whatever the count of deals. PostgreSQL: the
// statement first takes the writers' side of the claim barrier (see claimFitChanges), then numbers
// each row from the sequence. SQLite (one writer): the counter's next number, which the counter
// takes only after the rows are written, so a claim read in between leaves them to the next refit.
const markListedFitInputsChanged = compileOnce(2, (db, [ids, enqueued_at]) => {
  const postgres = isPostgres(db);
  const changeSeq = postgres
    ? sql<number>`nextval('attribution_fit_change_seq')`
    : sql<number>`(select last_seq + 1 from attribution_fit_change_counter)`;
  const barrier = postgres ? sql<boolean>`(select 1 from (select pg_advisory_xact_lock_shared(${sql.lit(FIT_CHANGE_BARRIER)})) as barrier) = 1` : sql<boolean>`true`;
  return db
    .insertInto('attribution_fit_pending')
    .columns(['deal_id', 'enqueued_at', 'change_seq'])
    .expression((eb) =>
      eb
        .selectFrom(idListTable(db, ids!).as('listed'))
        .select([sql.ref<string>('listed.value').as('deal_id'), sql<number>`cast(${enqueued_at} as bigint)`.as('enqueued_at'), changeSeq.as('change_seq')])
        .where(barrier),
    )
    .onConflict((oc) => oc.column('deal_id').doUpdateSet({ change_seq: (eb) => eb.ref('excluded.change_seq') }));
});

const bumpSqliteChangeCounter = compileOnce(0, (db) => db.updateTable('attribution_fit_change_counter').set({ last_seq: sql<number>`last_seq + 1` }));

/** SQLite: the counter written unchanged, returning it (what a transaction does first to hold the write lock as it reads it). */
const touchSqliteChangeCounter = (db: Db) =>
  db.updateTable('attribution_fit_change_counter').set({ last_seq: sql<number>`last_seq` }).returning('last_seq');

/**
 * PostgreSQL: writers recording fit changes hold this advisory lock shared until they commit; a
 * refit's claim and clear take it exclusively, so they start only once every change numbered
 * before them is committed (and is read by the refit's counting, which starts after the claim),
 * and a clear deletes rows no writer holds. Any constant.
 */
const FIT_CHANGE_BARRIER = 7_420_115;

/** Whether any change waits for a refit, and since when (epoch ms). */
export async function oldestFitChange(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('attribution_fit_pending')
    .select((eb) => eb.fn.min('enqueued_at').as('oldest'))
    .executeTakeFirst();
  return row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest);
}

/**
 * A refit starts: the last change number given out. Every change numbered up to it is committed
 * when this returns (PostgreSQL waits for writers in flight), so a refit that reads the deals
 * afterwards sees them all; later changes are numbered after it. One read, however many changes
 * are queued (the flag this replaced was an update of each queued row: 1 s at 200,000 on PostgreSQL).
 * Call it outside a transaction holding locks writers may wait for.
 */
export async function claimFitChanges(db: Db): Promise<number> {
  if (!isPostgres(db)) {
    const row = await db.selectFrom('attribution_fit_change_counter').select('last_seq').executeTakeFirstOrThrow();
    return Number(row.last_seq);
  }
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${FIT_CHANGE_BARRIER})`.execute(trx);
    // nextval: the sequence's last value, and one more number nobody will record (a gap is harmless).
    const { rows } = await sql<{ claimed: string }>`select nextval('attribution_fit_change_seq') as claimed`.execute(trx);
    return Number(rows[0]!.claimed);
  });
}

/**
 * A refit is stored: the changes it claimed are done; those numbered after wait for the next one.
 * PostgreSQL: in a transaction of its own, after the store commits (it waits for writers in
 * flight, which may wait for rows the store transaction locked); meanwhile no writer holds a
 * queued row, so the rows go in any order without deadlocking one.
 */
export async function clearClaimedFitChanges(db: Db, claimed: number): Promise<void> {
  if (!isPostgres(db)) {
    await db.transaction().execute(async (trx) => {
      // Written first, so the transaction holds the one write lock before it reads: no change can
      // be recorded between this read and the delete. A counter still at the claim means no change
      // came after it, and a DELETE without WHERE empties the table at once (SQLite's truncate
      // optimisation) instead of removing 200,000 rows one by one after a bulk import (0.15 s).
      const { last_seq } = await touchSqliteChangeCounter(trx).executeTakeFirstOrThrow();
      const clear = trx.deleteFrom('attribution_fit_pending');
      await (Number(last_seq) === claimed ? clear : clear.where('change_seq', '<=', claimed)).execute();
    });
    return;
  }
  if (await truncateIfAllClaimed(db, claimed)) return;
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${FIT_CHANGE_BARRIER})`.execute(trx);
    await trx.deleteFrom('attribution_fit_pending').where('change_seq', '<=', claimed).execute();
  });
}

/**
 * PostgreSQL: when no change was numbered since the claim (the sequence is still at it), every
 * queued change is claimed, and `TRUNCATE` empties the queue at once where the delete removes
 * 200,000 rows one by one after a bulk import (0.1–0.2 s). Only if the table's lock is free at
 * that instant (`NOWAIT`): queued behind a transaction that holds the table, this lock would hold
 * up every writer behind it, and could close a deadlock with a writer waiting for another. False
 * when it did not truncate; the caller then deletes as before.
 */
async function truncateIfAllClaimed(db: Db, claimed: number): Promise<boolean> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${FIT_CHANGE_BARRIER})`.execute(trx);
      await sql`lock table attribution_fit_pending in access exclusive mode nowait`.execute(trx);
      const { rows } = await sql<{ last: string }>`select last_value as last from attribution_fit_change_seq`.execute(trx);
      if (Number(rows[0]?.last) !== claimed) return false;
      await sql`truncate attribution_fit_pending`.execute(trx);
      return true;
    });
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === LOCK_NOT_AVAILABLE) return false;
    throw error;
  }
}

const LOCK_NOT_AVAILABLE = '55P03';

// Any constant: refits of several instances store one after the other, never the same version twice.
const POSTGRES_REFIT_LOCK = 7_420_114;

/** Makes other transactions that store fits wait until this one ends (PostgreSQL; SQLite has one writer). */
export async function lockFits(db: Db): Promise<void> {
  if (isPostgres(db)) await sql`select pg_advisory_xact_lock(${POSTGRES_REFIT_LOCK})`.execute(db);
}
