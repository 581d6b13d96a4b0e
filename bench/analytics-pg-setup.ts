/**
 * A full-size PostgreSQL database for measuring GET /analytics in process: the benchmark's data
 * written straight into the tables, every result computed, `vacuum analyze`. Prints its URL; drop
 * it with `drop database … with (force)` when done.
 * `npx tsx bench/analytics-pg-setup.ts [--deals 200000] [--touchpoints 1100000] [--url postgres://…/test]`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { benchDealRow, computeEveryResult, parseStepBenchArgs } from './batch-steps.js';
import { writeDatasetToPostgres } from './postgres-dataset.js';

const { deals, touchpoints, partners, serverUrl } = parseStepBenchArgs({ deals: 200_000, touchpoints: 1_100_000, rounds: 0 }, 'postgres');
const name = `bench_pga_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`create database ${name}`);
await admin.end();
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
console.log(databaseUrl);
const setup = createDatabase({ dbPath: '', databaseUrl });
await migrateToLatest(setup, databaseUrl);
await setup.destroy();
await writeDatasetToPostgres(databaseUrl, { deals, touchpoints, partners }, benchDealRow);
const raw = new pg.Client({ connectionString: databaseUrl });
await raw.connect();
await raw.query('insert into attribution_fit_pending (deal_id, enqueued_at, change_seq) select id, 0, 0 from deals');
const plain = createDatabase({ dbPath: '', databaseUrl, databaseQueryTimeoutMs: 600_000 });
await computeEveryResult(plain, deals);
await plain.destroy();
await raw.query('vacuum analyze');
await raw.end();
console.log(`ready: ${databaseUrl}`);
