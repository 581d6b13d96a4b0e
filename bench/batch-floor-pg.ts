/**
 * How far below the bare batch insert any implementation must fall for a batch of 1,000
 * touchpoints on PostgreSQL: floors, not the service (`bench/recorded-floor.ts` is SQLite's, for
 * recorded deals). Each round takes turns between five batches, each on deals of its own:
 *
 * - **bare**: the bare baseline's batch (parse, hash, one multi-row insert);
 * - **floor, new deals**: the least durable work the contract asks of a batch into deals not yet
 *   recorded, written with raw `pg` statements and no framework, validation or queue. In one
 *   transaction: the same insert (returning the ids it wrote, so that a replay can be told apart),
 *   an audit entry per touchpoint ("every write is recorded … in the transaction that makes it",
 *   API.md) and a durable mark per touched deal (issue 7: "a write stores its rows and records what
 *   became out of date, in one transaction"). After the answer the marks are taken away again:
 *   there is no result to compute for a deal not yet recorded.
 * - **floor, recorded deals**: the same batch on 1,000 recorded deals, in one transaction with no
 *   queue at all: the insert and the audit entries, then every touched deal's result brought up to
 *   date in set-based statements (the deals, their touchpoints' partners, their old shares; an
 *   equal split by the service's `allocate`; the shares replaced, the results updated, the daily
 *   partner rollup moved by the difference). No fit path, no monthly or yearly rollup.
 * - **service, new deals** and **service, recorded deals**: the service's own batch write from the
 *   parsed body on and its drain (`recordTouchpointBatch`, then `drainPendingStep` until nothing is
 *   left), as `bench/batch-step-pg.ts` measures it. No HTTP, no validation.
 *
 * Wall time, this process's CPU and the database backends' CPU (from /proc; the server is local).
 * The full bench runs the batches four at a time on a machine of two cores that also runs the load
 * generator and the database, so its ratio follows the CPU of both sides more than the wall time.
 * `FLOOR_LEAN=1` also drops the secondary indexes only reads rely on (`READ_INDEXES`), from the one
 * database every side writes to, to bound what any choice of indexes could save.
 * `[FLOOR_LEAN=1] npx tsx bench/batch-floor-pg.ts [--deals 50000] [--touchpoints 250000] [--rounds 12] [--url postgres://…/test]`.
 */
import pg from 'pg';
import { allocate, allocateBasisPoints } from '../src/domain/money.js';
import { drainPendingStep } from '../src/services/attribution/pending-work.js';
import { newOrderedId } from '../src/services/ids.js';
import { createDatabase } from '../src/storage/db.js';
import { migrateToLatest } from '../src/storage/migrate.js';
import { bareTouchpointRows, benchDealRow, computeEveryResult, cpuMs, parseStepBenchArgs, touchpointBatches, placeholderRows, READ_INDEXES } from './batch-steps.js';
import { backendsCpuMs, createThrowawayDatabase } from './postgres.js';
import { Cleanup } from './processes.js';
import { writeDatasetToPostgres } from './postgres-dataset.js';

const lean = process.env.FLOOR_LEAN === '1';
const { deals, touchpoints, partners, rounds, serverUrl } = parseStepBenchArgs({ deals: 50_000, touchpoints: 250_000, rounds: 12 }, 'postgres');

const EVENT_COLUMNS = 'id, partner_id, deal_id, touchpoint_type, timestamp, metadata, request_hash, created_at';
const AUDIT_COLUMNS = 'id, at, key_id, key_name, action, entity_type, entity_id, changes';

const cleanup = new Cleanup();
process.once('SIGINT', () => void cleanup.run().then(() => process.exit(130)));
const databaseUrl = await createThrowawayDatabase(cleanup, serverUrl, 'batchfloor');
const raw = new pg.Client({ connectionString: databaseUrl });
// The drop at the end ends whatever connection is left: not a failure of the measurement.
raw.on('error', () => undefined);
try {
  const setup = createDatabase({ dbPath: '', databaseUrl });
  await migrateToLatest(setup, databaseUrl);
  await setup.destroy();
  await writeDatasetToPostgres(databaseUrl, { deals, touchpoints, partners }, benchDealRow);
  const plain = createDatabase({ dbPath: '', databaseUrl });
  const { ctx, recordBatch } = await computeEveryResult(plain, deals);
  await raw.connect();
  await raw.query('vacuum analyze');
  // One database for every side: without these indexes the service's sides lose them too.
  if (lean) for (const index of READ_INDEXES) await raw.query(`drop index ${index}`);

  const sides = ['bare', 'floor, new deals', 'service, new deals', 'floor, recorded deals', 'service, recorded deals'] as const;
  type Side = (typeof sides)[number];
  const spent = Object.fromEntries(sides.map((side) => [side, { wall: 0, cpu: 0, backend: 0 }])) as Record<Side, { wall: number; cpu: number; backend: number }>;
  const batchOf = touchpointBatches(touchpoints, deals, partners);
  const measure = async (side: Side, work: () => Promise<void>) => {
    const [wall0, cpu0, backend0] = [performance.now(), cpuMs(), await backendsCpuMs(raw)];
    await work();
    spent[side].wall += performance.now() - wall0;
    spent[side].cpu += cpuMs() - cpu0;
    spent[side].backend += (await backendsCpuMs(raw)) - backend0;
  };

  /** The touchpoints and their audit entries, inside the caller's transaction; returns the rows. */
  const insertWithAudit = async (body: string, now: number) => {
    const rows = bareTouchpointRows(body, now);
    const audit = rows.map(([id, partner_id, deal_id, touchpoint_type, timestamp]) => [
      newOrderedId('aud', now),
      now,
      null,
      'bench',
      'create',
      'event',
      id,
      JSON.stringify({
        partner_id: { old: null, new: partner_id },
        deal_id: { old: null, new: deal_id },
        touchpoint_type: { old: null, new: touchpoint_type },
        timestamp: { old: null, new: new Date(timestamp as number).toISOString() },
      }),
    ]);
    await raw.query(`insert into events (${EVENT_COLUMNS}) values ${placeholderRows(rows.length, 8)} on conflict (id) do nothing returning id`, rows.flat());
    await raw.query(`insert into audit_log (${AUDIT_COLUMNS}) values ${placeholderRows(audit.length, 8)}`, audit.flat());
    return rows;
  };

  /** Every listed deal's result brought up to date with an equal split, in set-based statements. */
  const recomputeDeals = async (dealIds: string[], now: number) => {
    const won = await raw.query<{ id: string; amount: string; currency: string; closed_at: string }>(
      "select id, amount, currency, closed_at from deals where id = any($1::text[]) and status = 'won'",
      [dealIds],
    );
    const ids = won.rows.map((deal) => deal.id);
    const touched = await raw.query<{ deal_id: string; partner_id: string }>(
      'select deal_id, partner_id from events where deal_id = any($1::text[]) order by deal_id, timestamp, seq',
      [ids],
    );
    const old = await raw.query<{ deal_id: string; partner_id: string; payout: string }>(
      'select deal_id, partner_id, payout from attribution_shares where deal_id = any($1::text[])',
      [ids],
    );
    const counts = new Map<string, Map<string, number>>();
    for (const { deal_id, partner_id } of touched.rows) {
      const ofDeal = counts.get(deal_id) ?? counts.set(deal_id, new Map()).get(deal_id)!;
      ofDeal.set(partner_id, (ofDeal.get(partner_id) ?? 0) + 1);
    }
    const day = (closedAt: number) => Math.floor(closedAt / 86_400_000);
    const closedAt = new Map(won.rows.map((deal) => [deal.id, Number(deal.closed_at)]));
    const currency = new Map(won.rows.map((deal) => [deal.id, deal.currency]));
    // The rollup's rows moved, by (currency, day, partner): one upsert cannot touch a row twice.
    const moved = new Map<string, { currency: string; day: number; partner: string; deals: number; payout: number; points: number }>();
    const move = (dealId: string, partner: string, deals: number, payout: number, points: number) => {
      const key = `${currency.get(dealId)}|${day(closedAt.get(dealId)!)}|${partner}`;
      const row = moved.get(key) ?? moved.set(key, { currency: currency.get(dealId)!, day: day(closedAt.get(dealId)!), partner, deals: 0, payout: 0, points: 0 }).get(key)!;
      row.deals += deals;
      row.payout += payout;
      row.points += points;
    };
    for (const share of old.rows) move(share.deal_id, share.partner_id, -1, -Number(share.payout), 0);
    const shares: unknown[][] = Array.from({ length: 8 }, () => []);
    const results: unknown[][] = [[], []];
    for (const deal of won.rows) {
      const ofDeal = counts.get(deal.id) ?? new Map<string, number>();
      const partnerIds = [...ofDeal.keys()].sort();
      const equal = partnerIds.map(() => 1);
      const payouts = allocate(Number(deal.amount), equal);
      const points = allocateBasisPoints(equal);
      partnerIds.forEach((partner, index) => {
        const values = [deal.id, partner, payouts[index], points[index], ofDeal.get(partner), 'referral', deal.currency, deal.closed_at];
        values.forEach((value, column) => shares[column]!.push(value));
        move(deal.id, partner, 1, payouts[index]!, points[index]!);
      });
      results[0]!.push(deal.id);
      results[1]!.push(partnerIds.length);
    }
    await raw.query('delete from attribution_shares where deal_id = any($1::text[])', [ids]);
    await raw.query(
      'insert into attribution_shares (deal_id, partner_id, payout, basis_points, touchpoints, roles, currency, closed_at) ' +
        'select * from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::bigint[])',
      shares,
    );
    await raw.query(
      'update attribution_results set touchpoints = moved.touchpoints, calculated_at = $3 from unnest($1::text[], $2::bigint[]) as moved(deal_id, touchpoints) ' +
        'where attribution_results.deal_id = moved.deal_id',
      [...results, now],
    );
    const rollup = [...moved.values()].filter((row) => row.deals !== 0 || row.payout !== 0);
    await raw.query(
      'insert into analytics_partner_days (currency, day, partner_id, deals, payout, basis_points) ' +
        'select * from unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) ' +
        'on conflict (currency, day, partner_id) do update set deals = analytics_partner_days.deals + excluded.deals, ' +
        'payout = analytics_partner_days.payout + excluded.payout, basis_points = analytics_partner_days.basis_points + excluded.basis_points',
      [rollup.map((row) => row.currency), rollup.map((row) => row.day), rollup.map((row) => row.partner), rollup.map((row) => row.deals), rollup.map((row) => row.payout), rollup.map((row) => row.points)],
    );
  };

  const serviceSide = (recorded: boolean) => {
    const batch = batchOf(recorded);
    return async () => {
      // It parses the batch's JSON text itself (and writes the text first).
      await recordBatch(batch);
      while ((await drainPendingStep(ctx)) > 0);
    };
  };

  for (let round = 0; round < rounds; round++) {
    const bareBody = JSON.stringify({ events: batchOf(false) });
    await measure('bare', async () => {
      const rows = bareTouchpointRows(bareBody, Date.now());
      await raw.query(`insert into events (${EVENT_COLUMNS}) values ${placeholderRows(rows.length, 8)}`, rows.flat());
    });

    const newBody = JSON.stringify({ events: batchOf(false) });
    await measure('floor, new deals', async () => {
      const now = Date.now();
      await raw.query('begin');
      const rows = await insertWithAudit(newBody, now);
      const dealIds = [...new Set(rows.map((row) => row[2] as string))];
      await raw.query('insert into attribution_pending (deal_id, enqueued_at) select unnest($1::text[]), $2 on conflict do nothing', [dealIds, now]);
      await raw.query('commit');
      // After the answer: no deal of these is recorded, so there is nothing to compute.
      await raw.query('delete from attribution_pending where deal_id = any($1::text[])', [dealIds]);
    });
    await measure('service, new deals', serviceSide(false));

    const recordedBody = JSON.stringify({ events: batchOf(true) });
    await measure('floor, recorded deals', async () => {
      const now = Date.now();
      await raw.query('begin');
      const rows = await insertWithAudit(recordedBody, now);
      await recomputeDeals([...new Set(rows.map((row) => row[2] as string))], now);
      await raw.query('commit');
    });
    await measure('service, recorded deals', serviceSide(true));
  }
  await plain.destroy();

  const per = (ms: number) => (ms / rounds).toFixed(1);
  if (lean) console.log('without the read indexes (FLOOR_LEAN=1)');
  for (const side of sides) {
    const { wall, cpu, backend } = spent[side];
    console.log(`${side.padEnd(24)} per batch: wall ${per(wall)} ms, node CPU ${per(cpu)} ms, backend CPU ${per(backend)} ms, CPU ${per(cpu + backend)} ms`);
  }
  const total = (side: Side) => spent[side].cpu + spent[side].backend;
  const ratio = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
  for (const side of sides.slice(1)) console.log(`bare ÷ ${side}: wall ${ratio(spent.bare.wall, spent[side].wall)}, CPU ${ratio(total('bare'), total(side))}`);
} finally {
  await raw.end().catch(() => undefined);
  await cleanup.run();
}
