/**
 * The fits' page read alone (streamFitInputs over every deal, no counting), timed with the index of
 * a deal's touchpoints before migration 0009 and with the covering one it made, interleaved: `npx tsx bench/fit-read.ts [--deals 200000] [--touchpoints 1000000] [--rounds 3]`.
 * SQLite only (the read runs on the main thread, so the process CPU time is the read's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createDatabase } from '../src/storage/db.js';
import { streamFitInputs } from '../src/storage/fit-inputs.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { dealId, isWonDeal } from './dataset.js';
import { writeDatasetToSqlite } from './sqlite-dataset.js';

const { values } = parseArgs({ options: { deals: { type: 'string' }, touchpoints: { type: 'string' }, rounds: { type: 'string' }, window: { type: 'string' } } });
const deals = Number(values.deals ?? 200_000);
const touchpoints = Number(values.touchpoints ?? 1_000_000);
const rounds = Number(values.rounds ?? 3);
const windowMs = values.window === undefined ? null : Number(values.window) * 86_400_000;
const now = Date.now();
const directory = mkdtempSync(join(tmpdir(), 'fit-read-'));
try {
  const options = { dbPath: join(directory, 'read.db') };
  const setup = createDatabase(options);
  await migrateToLatest(setup, undefined);
  await setup.destroy();
  writeDatasetToSqlite(options.dbPath, { deals, touchpoints, partners: 2000 }, (d) => ({ id: dealId(d), amountMinor: 100_000, closedAt: now, model: 'markov', status: isWonDeal(d) ? 'won' : 'lost' }));
  const db = createDatabase(options);
  // The index before migration 0009 against the one it made.
  const variants = {
    old: async () => {
      await sql`create index if not exists events_deal on events (deal_id, timestamp)`.execute(db);
      await sql`drop index if exists events_deal_path`.execute(db);
    },
    covering: async () => {
      await sql`create index if not exists events_deal_path on events (deal_id, timestamp, seq, partner_id)`.execute(db);
      await sql`drop index if exists events_deal`.execute(db);
    },
  };
  for (let round = 1; round <= rounds; round++) {
    for (const [name, prepare] of Object.entries(variants)) {
      await prepare();
      await sql`analyze`.execute(db);
      const plan = await sql<{ detail: string }>`explain query plan select group_concat(e.partner_id, ',' order by e.timestamp, e.seq) from events e where e.deal_id = 'x'`.execute(db);
      const [wall, cpu] = [performance.now(), process.cpuUsage()];
      let paths = 0;
      let length = 0;
      for await (const page of streamFitInputs(db, windowMs)) {
        paths += page === '' ? 0 : page.split('\n').length;
        length += page.length;
      }
      const used = process.cpuUsage(cpu);
      console.log(
        `round ${round} ${name.padEnd(8)}: ${(performance.now() - wall).toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU, ${paths} paths, ${length} chars; plan: ${plan.rows.map((r) => r.detail).join(' | ')}`,
      );
    }
  }
  await db.destroy();
} finally {
  rmSync(directory, { recursive: true, force: true });
}
