/**
 * How far below the bare batch insert any implementation must fall for a batch into recorded deals
 * on SQLite: a floor, not the service. Each round the bare baseline's batch (parse, hash, insert
 * 1,000 touchpoints in one transaction) is set against the least durable work the contract asks of
 * the same batch on 1,000 recorded deals, written here with prepared better-sqlite3 statements and
 * no framework, validation, queue or second transaction:
 *
 * - the same touchpoint rows, and an audit entry for each ("every write is recorded … in the
 *   transaction that makes it", API.md);
 * - each touched deal's result brought up to date: its partners read back through the deal's
 *   index, an equal split by the service's `allocate` (largest remainder), its shares replaced and
 *   its result row updated;
 * - the daily partner rollup moved by the difference (one rollup, where the service keeps days,
 *   months and years so that ragged periods stay fast).
 *
 * `FLOOR_LEAN=1` also drops the secondary indexes the reads rely on (the audit log's three, the shares'
 * two covering ones and the results' four) from the floor's file, to bound what any index choice
 * could save. Main-thread CPU per batch, as `bench/drain-step.ts` measures the service.
 * `[FLOOR_LEAN=1] npx tsx bench/recorded-floor.ts [--deals 50000] [--touchpoints 250000] [--rounds 10]`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { allocate, allocateBasisPoints } from '../src/domain/money.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { benchDealRow, computeEveryResult, parseStepBenchArgs, READ_INDEXES, threadCpuMs } from './batch-steps.js';
import { servicePragmas } from './baseline-store.js';
import { touchpoint, type Touchpoint } from './dataset.js';
import { writeDatasetToSqlite } from './sqlite-dataset.js';

const lean = process.env.FLOOR_LEAN === '1';
const { deals, touchpoints, partners, rounds } = parseStepBenchArgs({ deals: 50_000, touchpoints: 250_000, rounds: 10 }, 'sqlite');
const DAY_MS = 86_400_000;

const directory = mkdtempSync(join(tmpdir(), 'recorded-floor-'));
const seededPath = join(directory, 'seeded.db');
try {
  const setup = createDatabase({ dbPath: seededPath });
  await migrateToLatest(setup, undefined);
  await setup.destroy();
  writeDatasetToSqlite(seededPath, { deals, touchpoints, partners }, benchDealRow);
  const service = createDatabase({ dbPath: seededPath });
  await computeEveryResult(service, deals);
  await service.destroy();
  const barePath = join(directory, 'bare.db');
  const floorPath = join(directory, 'floor.db');
  copyFileSync(seededPath, barePath);
  copyFileSync(seededPath, floorPath);

  const open = (path: string) => {
    const db = new SQLite(path);
    for (const pragma of servicePragmas()) db.pragma(pragma);
    return db;
  };
  const bare = open(barePath);
  const floor = open(floorPath);
  if (lean) for (const index of READ_INDEXES) floor.exec(`drop index ${index}`);
  const insertEventSql =
    'insert into events (id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)';
  const bareInsert = bare.prepare(insertEventSql);
  const statements = {
    insertEvent: floor.prepare(insertEventSql),
    insertAudit: floor.prepare(
      "insert into audit_log (id, at, key_id, key_name, action, entity_type, entity_id, changes) values (?, ?, null, 'bench', 'create', 'event', ?, ?)",
    ),
    deal: floor.prepare("select amount, currency, closed_at from deals where id = ? and status = 'won'"),
    partnersOf: floor.prepare('select partner_id from events where deal_id = ? order by timestamp, seq').pluck(),
    oldShares: floor.prepare('select partner_id, payout from attribution_shares where deal_id = ?'),
    deleteShares: floor.prepare('delete from attribution_shares where deal_id = ?'),
    insertShare: floor.prepare(
      'insert into attribution_shares (deal_id, partner_id, payout, basis_points, touchpoints, roles, currency, closed_at) values (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    updateResult: floor.prepare('update attribution_results set touchpoints = ?, calculated_at = ? where deal_id = ?'),
    moveRollup: floor.prepare(
      'insert into analytics_partner_days (currency, day, partner_id, deals, payout, basis_points) values (?, ?, ?, ?, ?, ?) ' +
        'on conflict do update set deals = deals + excluded.deals, payout = payout + excluded.payout, basis_points = basis_points + excluded.basis_points',
    ),
  };

  const recomputeDeal = (dealId: string, now: number) => {
    const deal = statements.deal.get(dealId) as { amount: number; currency: string; closed_at: number } | undefined;
    if (!deal) return;
    const counts = new Map<string, number>();
    for (const partner of statements.partnersOf.all(dealId) as string[]) counts.set(partner, (counts.get(partner) ?? 0) + 1);
    const ids = [...counts.keys()].sort();
    const equal = ids.map(() => 1);
    const payouts = allocate(deal.amount, equal);
    const points = allocateBasisPoints(equal);
    const day = Math.floor(deal.closed_at / DAY_MS) * DAY_MS;
    const delta = new Map<string, { deals: number; payout: number; points: number }>();
    for (const old of statements.oldShares.all(dealId) as { partner_id: string; payout: number }[]) {
      delta.set(old.partner_id, { deals: -1, payout: -old.payout, points: 0 });
    }
    statements.deleteShares.run(dealId);
    ids.forEach((partner, index) => {
      statements.insertShare.run(dealId, partner, payouts[index], points[index], counts.get(partner), 'referral', deal.currency, deal.closed_at);
      const moved = delta.get(partner) ?? { deals: 0, payout: 0, points: 0 };
      delta.set(partner, { deals: moved.deals + 1, payout: moved.payout + payouts[index]!, points: moved.points + points[index]! });
    });
    for (const [partner, moved] of delta) {
      if (moved.deals !== 0 || moved.payout !== 0) statements.moveRollup.run(deal.currency, day, partner, moved.deals, moved.payout, moved.points);
    }
    statements.updateResult.run(ids.length, now, dealId);
  };

  const spent = { bare: 0, floor: 0, recompute: 0 };
  let next = touchpoints;
  const parse = (batch: Touchpoint[]) => (JSON.parse(JSON.stringify({ events: batch })) as { events: Touchpoint[] }).events;
  for (let round = 0; round < rounds; round++) {
    const now = Date.now();
    const bareBatch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    let started = threadCpuMs();
    const bareBody = parse(bareBatch);
    bare.transaction(() => {
      for (const t of bareBody) {
        const hash = createHash('sha256').update(JSON.stringify(t)).digest('hex');
        bareInsert.run(t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), JSON.stringify(t.metadata), hash, now);
      }
    })();
    spent.bare += threadCpuMs() - started;

    const floorBatch = Array.from({ length: 1000 }, () => touchpoint(next++, deals, partners));
    started = threadCpuMs();
    let recorded = started;
    const floorBody = parse(floorBatch);
    floor.transaction(() => {
      for (const t of floorBody) {
        const text = JSON.stringify(t);
        const hash = createHash('sha256').update(text).digest('hex');
        statements.insertEvent.run(t.id, t.partner_id, t.deal_id, t.touchpoint_type, Date.parse(t.timestamp), JSON.stringify(t.metadata), hash, now);
        statements.insertAudit.run(`aud_${t.id}`, now, t.id, text);
      }
      recorded = threadCpuMs();
      for (const dealId of new Set(floorBody.map((t) => t.deal_id))) recomputeDeal(dealId, now);
    })();
    spent.recompute += threadCpuMs() - recorded;
    spent.floor += threadCpuMs() - started;
  }
  // What the last checkpoints left in each log is work done too.
  let started = threadCpuMs();
  bare.pragma('wal_checkpoint(PASSIVE)');
  spent.bare += threadCpuMs() - started;
  started = threadCpuMs();
  floor.pragma('wal_checkpoint(PASSIVE)');
  spent.floor += threadCpuMs() - started;
  bare.close();
  floor.close();
  const per = (ms: number) => (ms / rounds).toFixed(1);
  console.log(
    `CPU of the main thread per batch of 1,000 touchpoints on 1,000 recorded deals, over ${rounds} rounds${lean ? ', floor without read indexes' : ''}: ` +
      `bare insert ${per(spent.bare)} ms; floor ${per(spent.floor)} ms (the deals' results and the commit ${per(spent.recompute)} ms of it); bare / floor = ${((100 * spent.bare) / spent.floor).toFixed(1)} %`,
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}
