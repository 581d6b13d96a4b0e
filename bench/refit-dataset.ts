/**
 * The database the refit tools measure on (`refit-phases.ts`, `refit-alone.ts`): the benchmark's
 * data written straight into a fresh SQLite file in `directory`, or a throw-away PostgreSQL
 * database on BENCH_DATABASE_URL (dropped by `cleanup`), migrated first.
 */
import { join } from 'node:path';
import { markFitInputsChanged } from '../src/storage/attribution-fits.js';
import { createDatabase, type Db, type DatabaseOptions } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { dealId, isWonDeal } from './dataset.js';
import { writeDatasetToPostgres } from './postgres-dataset.js';
import { createThrowawayDatabase } from './postgres.js';
import type { Cleanup } from './processes.js';
import { writeDatasetToSqlite, type DealRowValues } from './sqlite-dataset.js';

export interface RefitDataset {
  postgres: boolean;
  deals: number;
  touchpoints: number;
  partners: number;
  /** Every deal's own model. */
  model: string;
  /** Every deal's closing time (epoch ms). */
  closedAt: number;
}

export async function writeRefitDataset(cleanup: Cleanup, directory: string, dataset: RefitDataset): Promise<DatabaseOptions> {
  const { postgres, deals, touchpoints, partners, model, closedAt } = dataset;
  const options: DatabaseOptions = {
    dbPath: join(directory, 'refit.db'),
    databaseUrl: postgres ? await createThrowawayDatabase(cleanup, process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 'refit') : undefined,
  };
  const setup = createDatabase(options);
  await migrateToLatest(setup, options.databaseUrl);
  await setup.destroy();
  const size = { deals, touchpoints, partners };
  const dealRow = (d: number): DealRowValues => ({ id: dealId(d), amountMinor: 100_000, closedAt, model, status: isWonDeal(d) ? 'won' : 'lost' });
  if (options.databaseUrl) await writeDatasetToPostgres(options.databaseUrl, size, dealRow);
  else writeDatasetToSqlite(options.dbPath, size, dealRow);
  return options;
}

/** Every deal recorded as changed for the fits (what seeding through the API leaves). */
export async function markEveryDealChanged(db: Db, now: number): Promise<void> {
  const ids = (await db.selectFrom('deals').select('id').execute()).map((row) => row.id);
  await markFitInputsChanged(db, ids, now);
}
