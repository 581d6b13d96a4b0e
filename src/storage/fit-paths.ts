import { chunks } from './chunks.js';
import { compileOnce } from './compiled.js';
import type { Db } from './db.js';
import { insertJsonRows, toJsonRows, type JsonColumns } from './json-rows.js';
import type { AttributionFitPathsTable } from './schema.js';
import { takeExcluded } from './upsert-sets.js';

/**
 * The deals' paths as the fits read them (`attribution_fit_paths`), written by the recomputation
 * that takes the deals' pending rows: a path is stored in the transaction that clears its deal's
 * change, so a deal that is not pending has its current path here (or none yet). The refit's read
 * is in fit-inputs.ts.
 */

const COLUMNS: JsonColumns<'attribution_fit_paths'> = { deal_id: 'key', won: 'integer', window_ms: 'integer', path: 'text' };

// Rows per statement: a drain's step is at most 500 deals.
const ROWS_PER_UPSERT = 1000;

/**
 * Stores each deal's path, replacing the one stored.
 *
 * @example
 * await storeFitPaths(trx, [{ deal_id: 'd1', won: 1, window_ms: null, path: 'p1,p2' }]);
 */
export async function storeFitPaths(db: Db, rows: readonly AttributionFitPathsTable[]): Promise<void> {
  for (const slice of chunks(rows, ROWS_PER_UPSERT)) await upsertFitPaths(db, [toJsonRows(slice, COLUMNS)]);
}

// Every recomputation writes its deals' paths: one statement text whatever their count.
const upsertFitPaths = compileOnce(1, (db, [rowsJson]) =>
  insertJsonRows(db, 'attribution_fit_paths', rowsJson!, COLUMNS).onConflict((oc) =>
    oc.column('deal_id').doUpdateSet(takeExcluded(['won', 'window_ms', 'path'])),
  ),
);
