/**
 * What storing a full-size fit costs PostgreSQL under each way of keeping a large text value: a
 * refit on the benchmark's data set (200,000 deals, 1,000,000 touchpoints, 2,000 partners, in a
 * throw-away database), then its two stored fits written again, 3 times each, into a table of the
 * same shape with the default compression (pglz), uncompressed out-of-line storage and lz4, in
 * turn; the bytes kept and one read of both.
 * `npx tsx bench/fit-store.ts [--url postgres://…/test]` (migration 0010 chose lz4 from this).
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { refitModels } from '../src/services/attribution/fits.js';
import { markFitInputsChanged } from '../src/storage/attribution-fits.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { dealId, isWonDeal } from './dataset.js';
import { writeDatasetToPostgres } from './postgres-dataset.js';
import { createThrowawayDatabase, vacuumAnalyze } from './postgres.js';
import { Cleanup } from './processes.js';

const { values } = parseArgs({ options: { url: { type: 'string' } } });
const cleanup = new Cleanup();
try {
  const databaseUrl = await createThrowawayDatabase(cleanup, values.url ?? 'postgres://postgres@127.0.0.1:5432/test', 'store');
  const setup = createDatabase({ dbPath: '', databaseUrl });
  await migrateToLatest(setup, databaseUrl);
  await setup.destroy();
  const now = Date.now();
  await writeDatasetToPostgres(databaseUrl, { deals: 200000, touchpoints: 1000000, partners: 2000 }, (d) => ({ id: dealId(d), amountMinor: 100_000, closedAt: now, model: 'markov', status: isWonDeal(d) ? 'won' : 'lost' }));
  const db = createDatabase({ dbPath: '', databaseUrl });
  const ids = (await db.selectFrom('deals').select('id').execute()).map((r) => r.id);
  await markFitInputsChanged(db, ids, now);
  await vacuumAnalyze(databaseUrl);
  await refitModels({ db, now: Date.now, defaultModel: 'role-based', fits: new FitCache() });
  await db.destroy();
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const rows = (await c.query('select model, fit_json, pg_column_size(fit_json) as stored from attribution_fits')).rows;
  for (const r of rows) console.log(r.model, 'chars', r.fit_json.length, 'stored by the service (bytes)', r.stored);
  for (const mode of ['pglz', 'external', 'lz4', 'pglz', 'external', 'lz4', 'pglz', 'external', 'lz4']) {
    await c.query('drop table if exists s; create table s (model text primary key, fit_json text not null)');
    if (mode === 'external') await c.query('alter table s alter column fit_json set storage external');
    if (mode === 'lz4') await c.query('alter table s alter column fit_json set compression lz4');
    let total = 0;
    for (let round = 0; round < 3; round++) {
      for (const r of rows) {
        const t = performance.now();
        await c.query('insert into s values ($1, $2) on conflict (model) do update set fit_json = excluded.fit_json', [r.model, r.fit_json]);
        total += performance.now() - t;
      }
    }
    const size = (await c.query('select sum(pg_column_size(fit_json)) as s from s')).rows[0].s;
    const t = performance.now();
    await c.query('select fit_json from s');
    console.log(mode, 'store both, mean of 3:', (total / 3).toFixed(1), 'ms; stored bytes', size, '; read both', (performance.now() - t).toFixed(1), 'ms');
  }
  await c.end();
} finally {
  await cleanup.run();
}
