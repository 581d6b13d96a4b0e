/**
 * A full refit's phases, timed one by one through the service's own functions, on SQLite or
 * PostgreSQL: `npx tsx bench/refit-phases.ts [--db postgres] [--deals 200000] [--touchpoints 1000000] [--rounds 2]`.
 * The data set is written straight into a fresh database (PostgreSQL: a throw-away database on
 * BENCH_DATABASE_URL, dropped at the end), with every deal recorded as changed for the fits, as
 * after seeding through the API.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FitCache } from '../src/services/attribution/fit-cache.js';
import { refitModels } from '../src/services/attribution/fits.js';
import { createDatabase } from '../src/storage/db.js';
import { vacuumAnalyze } from './postgres.js';
import { Cleanup } from './processes.js';
import { markEveryDealChanged, writeRefitDataset } from './refit-dataset.js';

const { values } = parseArgs({
  options: { db: { type: 'string' }, deals: { type: 'string' }, touchpoints: { type: 'string' }, partners: { type: 'string' }, rounds: { type: 'string' } },
});
const deals = Number(values.deals ?? 200_000);
const touchpoints = Number(values.touchpoints ?? 1_000_000);
const partners = Number(values.partners ?? 2000);
const rounds = Number(values.rounds ?? 2);
const postgres = values.db === 'postgres';
const now = Date.now();

const cleanup = new Cleanup();
const directory = mkdtempSync(join(tmpdir(), 'refit-phases-'));
try {
  const seeded = performance.now();
  const options = await writeRefitDataset(cleanup, directory, { postgres, deals, touchpoints, partners, model: 'markov', closedAt: now });
  const db = createDatabase(options);
  await markEveryDealChanged(db, now);
  if (options.databaseUrl) await vacuumAnalyze(options.databaseUrl);
  console.log(`data: ${deals} deals, ${touchpoints} touchpoints, ${partners} partners on ${postgres ? 'PostgreSQL' : 'SQLite'}, written in ${(performance.now() - seeded).toFixed(0)} ms`);

  for (let round = 1; round <= rounds; round++) {
    if (round > 1) await markEveryDealChanged(db, now);
    const cache = new FitCache();
    const ctx = { db, now: Date.now, defaultModel: 'role-based' as const, fits: cache };
    const [wall, cpu] = [performance.now(), process.cpuUsage()];
    await refitModels(ctx);
    const used = process.cpuUsage(cpu);
    const refit = performance.now() - wall;
    let started = performance.now();
    await cache.current(db);
    const parseMs = performance.now() - started;
    started = performance.now();
    await cache.current(db);
    const cachedMs = performance.now() - started;
    console.log(
      `round ${round}: refit ${refit.toFixed(0)} ms wall (${((used.user + used.system) / 1000).toFixed(0)} ms CPU of the process, fit threads included); ` +
        `first read of the stored fits ${parseMs.toFixed(0)} ms, then ${cachedMs.toFixed(1)} ms`,
    );
  }
  await db.destroy();
} finally {
  await cleanup.run();
  rmSync(directory, { recursive: true, force: true });
}
