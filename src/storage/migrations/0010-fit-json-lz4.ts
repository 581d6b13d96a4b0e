import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../db.js';

// Frozen once merged: add a new migration instead of editing this one.

/**
 * PostgreSQL: a stored fit (about 3 MB of JSON for markov and 7 MB for shapley at 2,000 partners)
 * is compressed with lz4 instead of the default pglz. Storing both took 120–127 ms with pglz and
 * 33–36 ms with lz4 at 200,000 deals / 1,000,000 touchpoints (1.9 → 2.5 MB on disk), most of a
 * refit's store step (`bench/fit-store.ts`, docs/benchmark.md). A server built without lz4
 * (`feature_not_supported`) or older than PostgreSQL 14 (no `set compression`: `syntax_error`) keeps
 * pglz, as before; SQLite does not compress.
 */
export const fitJsonLz4Migration = (dialect: Dialect): Migration => ({
  up: (db) => setFitJsonCompression(db, dialect, 'lz4'),
  down: (db) => setFitJsonCompression(db, dialect, 'default'),
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was, not as it is
async function setFitJsonCompression(db: Kysely<any>, dialect: Dialect, method: 'lz4' | 'default'): Promise<void> {
  if (dialect !== 'postgres') return;
  // Only new values are compressed this way: the next refit rewrites both rows.
  await sql
    .raw(
      `do $$ begin
         execute 'alter table attribution_fits alter column fit_json set compression ${method}';
       exception when feature_not_supported or syntax_error then null;
       end $$`,
    )
    .execute(db);
}
