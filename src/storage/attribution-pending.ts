import { sql, type OnConflictBuilder, type RawBuilder } from 'kysely';
import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import { isPostgres, type Db } from './db.js';
import { idListParameter, idListTable } from './json-rows.js';
import type { Database } from './schema.js';

/**
 * Records that the given deals' results are out of date. A deal already pending keeps its
 * older `enqueued_at`, but its row is still updated: on PostgreSQL that holds the row lock until
 * this transaction commits, so no drain can take the deal while this transaction's change is
 * invisible to it (`do nothing` would take no lock, and the change would be lost). A deal whose
 * row a drain holds (deleted, uncommitted) makes this wait for that drain to commit and then
 * queue the deal again. Ids go in sorted order, so two writers never deadlock on each other.
 */
export async function markDealsPending(db: Db, dealIds: readonly string[], now: number, reason: string): Promise<void> {
  if (dealIds.length === 1) {
    await markOneDealPending(db, [dealIds[0], now, reason]);
    return;
  }
  for (const chunk of chunks([...dealIds].sort())) await markListedDealsPending(db, [idListParameter(db, chunk), now, reason]);
}

// A batch's deals: one statement text whatever their count.
const markListedDealsPending = compileOnce(3, (db, [ids, enqueued_at, reason]) =>
  db
    .insertInto('attribution_pending')
    .columns(['deal_id', 'enqueued_at', 'reason'])
    .expression((eb) =>
      eb
        .selectFrom(idListTable(db, ids!).as('listed'))
        .select([sql.ref<string>('listed.value').as('deal_id'), sql<number>`cast(${enqueued_at} as bigint)`.as('enqueued_at'), sql<string>`cast(${reason} as text)`.as('reason')])
        .where(sql<boolean>`true`),
    )
    .onConflict(keepButLock),
);

// Every single-deal write: compiled once.
const markOneDealPending = compileOnce(3, (db, [deal_id, enqueued_at, reason]) =>
  db
    .insertInto('attribution_pending')
    .values({ deal_id: deal_id!, enqueued_at: enqueued_at as unknown as number, reason: reason! })
    .onConflict(keepButLock),
);

/**
 * Queues every deal whose stored result uses one of `models` (a settings change those models
 * read). In id order, like every other marking: a group of single events marks several deals
 * too, and two transactions that lock the same pending rows in different orders can deadlock.
 */
export async function markResultsOfModelsPending(db: Db, models: readonly string[], now: number, reason: string): Promise<void> {
  await queueDealsOf(db, 'attribution_results', sql<boolean>`model in (${sql.join(models)})`, now, reason);
}

/**
 * Queues every deal with no stored result whose stored fit path was cut with another lookback
 * window than `windowMs` (a window change, which queues the deals with a result through
 * `markResultsOfModelsPending`): lost deals, which without this would have their paths gathered
 * from the touchpoints by every refit until each changed. Leaving out the deals with a result
 * spares updating again the rows that marking just queued: at the bench's size (160,000 results,
 * 40,000 lost deals) this statement took 123–152 ms on SQLite with them, 90–107 ms without.
 */
export async function markFitPathsOfOtherWindowsPending(db: Db, windowMs: number | null, now: number, reason: string): Promise<void> {
  const otherWindow = windowMs === null ? sql<boolean>`window_ms is not null` : sql<boolean>`(window_ms is null or window_ms <> ${windowMs})`;
  const withoutResult = sql<boolean>`not exists (select 1 from attribution_results r where r.deal_id = attribution_fit_paths.deal_id)`;
  await queueDealsOf(db, 'attribution_fit_paths', sql<boolean>`${otherWindow} and ${withoutResult}`, now, reason);
}

/** Queues the deals of `table`'s rows that match `where`, in id order (see markResultsOfModelsPending). */
async function queueDealsOf(db: Db, table: 'attribution_results' | 'attribution_fit_paths', where: RawBuilder<boolean>, now: number, reason: string): Promise<void> {
  await db
    .insertInto('attribution_pending')
    .columns(['deal_id', 'enqueued_at', 'reason'])
    .expression((eb) =>
      eb
        .selectFrom(table)
        .select(['deal_id', sql.lit(now).as('enqueued_at'), sql<string>`cast(${reason} as text)`.as('reason')])
        .where(where)
        .orderBy('deal_id'),
    )
    .onConflict(keepButLock)
    .execute();
}

/** Queues every deal there is (a rebuild). */
export async function markAllDealsPending(db: Db, now: number, reason: string): Promise<number> {
  const result = await db
    .insertInto('attribution_pending')
    .columns(['deal_id', 'enqueued_at', 'reason'])
    // `where true`: without a where clause SQLite reads `on conflict` as a join constraint.
    .expression((eb) =>
      eb.selectFrom('deals').select(['id', sql.lit(now).as('enqueued_at'), sql<string>`cast(${reason} as text)`.as('reason')]).where(sql<boolean>`true`),
    )
    .onConflict(keepButLock)
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0);
}

// The reasons of changes that coalesce are listed once each, in the order they came.
const keepButLock = (oc: OnConflictBuilder<Database, 'attribution_pending'>) =>
  oc.column('deal_id').doUpdateSet((eb) => ({
    enqueued_at: eb.ref('attribution_pending.enqueued_at'),
    reason: sql<string>`case
      when attribution_pending.reason is null then excluded.reason
      when (', ' || attribution_pending.reason || ', ') like ('%, ' || excluded.reason || ', %') then attribution_pending.reason
      else attribution_pending.reason || ', ' || excluded.reason end`,
  }));

/** A deal taken off the queue, with why it was queued. */
export interface PendingDeal {
  deal_id: string;
  reason: string | null;
}

export interface TakeOptions {
  /** Only ids after this one (a reader's cursor); from the start when absent. */
  after?: string | undefined;
  limit: number;
  /**
   * PostgreSQL: pass over rows another transaction holds (a worker: someone else is on them)
   * instead of waiting for it (a reader: it needs them done).
   */
  skipLocked: boolean;
}

/**
 * Takes up to `limit` pending deals, in id order, by deleting their rows: the caller's
 * transaction now owns them and must recompute them before it commits. A rollback (or a crash)
 * puts them back.
 *
 * Two statements, each linear in the queue whatever its statistics say. As one `delete … where
 * deal_id in (select … limit … for update skip locked)`, PostgreSQL planned a nested loop that
 * ran the locking subquery again for every queued row when the table had been analysed while
 * empty (which is how the queue usually is): minutes of CPU at 47,000 queued deals, so every
 * drain step hit the statement timeout and the queue stopped draining (docs/benchmark.md, stop 20).
 */
export async function takePendingDeals(db: Db, options: TakeOptions): Promise<PendingDeal[]> {
  let page = db.selectFrom('attribution_pending').select('deal_id');
  if (options.after !== undefined) page = page.where('deal_id', '>', options.after);
  page = page.orderBy('deal_id').limit(options.limit);
  if (isPostgres(db)) page = options.skipLocked ? page.forUpdate().skipLocked() : page.forUpdate();
  const ids = (await page.execute()).map((row) => row.deal_id);
  if (ids.length === 0) return [];
  const rows = await db.deleteFrom('attribution_pending').where('deal_id', 'in', ids).returning(['deal_id', 'reason']).execute();
  return rows.sort((a, b) => (a.deal_id < b.deal_id ? -1 : a.deal_id > b.deal_id ? 1 : 0));
}

/** Takes the given deals if they are pending, waiting for whoever holds them (PostgreSQL). */
export async function takePendingDealsById(db: Db, dealIds: readonly string[]): Promise<PendingDeal[]> {
  const taken: PendingDeal[] = [];
  for (const chunk of chunks([...dealIds].sort())) {
    const rows = await db.deleteFrom('attribution_pending').where('deal_id', 'in', chunk).returning(['deal_id', 'reason']).execute();
    taken.push(...rows);
  }
  return taken;
}

/** How many deals are pending and when the oldest was queued (epoch ms; null when none). */
export async function countPendingDeals(db: Db): Promise<{ deals: number; oldestEnqueuedAt: number | null }> {
  const row = await db
    .selectFrom('attribution_pending')
    .select((eb) => [eb.fn.countAll<number>().as('deals'), eb.fn.min('enqueued_at').as('oldest')])
    .executeTakeFirstOrThrow();
  return { deals: Number(row.deals), oldestEnqueuedAt: row.oldest === null ? null : Number(row.oldest) };
}

/**
 * Makes every other transaction that takes or queues pending deals wait until this one ends
 * (PostgreSQL; SQLite has one writer anyway): a rebuild clears results that drains in flight
 * would otherwise move rollups from.
 */
export async function lockPendingQueue(db: Db): Promise<void> {
  if (isPostgres(db)) await sql`lock table attribution_pending in exclusive mode`.execute(db);
}
