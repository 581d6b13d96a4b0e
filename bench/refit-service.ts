/**
 * Times a full refit through the service's own code (`refitModels`: read every deal and its
 * touchpoints page by page from SQLite, fit markov and shapley, store both) on the benchmark's
 * data set, written straight into a fresh SQLite file:
 * `npx tsx --expose-gc bench/refit-service.ts [--deals 200000] [--touchpoints 1000000] [--partners 2000]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { refitModels } from '../src/services/attribution/fits.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { dealId, isWonDeal } from './dataset.js';
import { writeDatasetToSqlite } from './sqlite-dataset.js';

const { values } = parseArgs({ options: { deals: { type: 'string' }, touchpoints: { type: 'string' }, partners: { type: 'string' } } });
const deals = Number(values.deals ?? 200_000);
const touchpoints = Number(values.touchpoints ?? 1_000_000);
const partners = Number(values.partners ?? 2000);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

const directory = mkdtempSync(join(tmpdir(), 'refit-bench-'));
const dbPath = join(directory, 'refit.db');
try {
  const db = createDatabase({ dbPath });
  await migrateToLatest(db, undefined);
  await db.destroy();

  // Rows straight into the tables: this measures the refit, not ingestion.
  const now = Date.now();
  writeDatasetToSqlite(dbPath, { deals, touchpoints, partners }, (d) => ({
    id: dealId(d),
    amountMinor: 100_000,
    closedAt: now,
    model: 'markov',
    status: isWonDeal(d) ? 'won' : 'lost',
  }));

  const service = createDatabase({ dbPath });
  global.gc?.();
  const before = process.memoryUsage();
  const [wall, cpu] = [performance.now(), process.cpuUsage()];
  const versions = await refitModels({ db: service, now: Date.now, defaultModel: 'role-based', fits: new FitCache() });
  const used = process.cpuUsage(cpu);
  const after = process.memoryUsage();
  console.log(`data: ${deals} deals, ${touchpoints} touchpoints, ${partners} partners (SQLite, ${dbPath})`);
  console.log(
    `refit (read + fit markov and shapley + store): ${(performance.now() - wall).toFixed(0)} ms wall, ` +
      `${((used.user + used.system) / 1000).toFixed(0)} ms CPU, versions ${versions.markov}/${versions.shapley}, ` +
      `heap +${mb(after.heapUsed - before.heapUsed)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)}`,
  );
  await service.destroy();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
