import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Api } from '../helpers/app.js';
import { startTestApp } from '../helpers/app.js';
import { startTestCluster } from '../helpers/cluster.js';
import { missingServices, testDialect } from '../helpers/environment.js';
import { expectLedgerMatchesPayouts, statementBytes, type PeriodBody } from './ledger.js';

/**
 * Random sequences of writes, locks, refunds, model and settings changes, over HTTP. Afterwards:
 * every statement of a locked period reads the same bytes as right after its lock, and once every
 * month with deals is locked, locked lines plus adjustments equal every deal's current payout.
 */

const PARTNERS = ['p1', 'p2', 'p3'] as const;
const DEALS = ['d1', 'd2', 'd3', 'd4', 'd5'] as const;
const MODELS = ['equal', 'role-based', 'linear', 'first-touch', 'time-decay', 'position-based'] as const;
const TYPES = ['referral', 'demo', 'intro', 'closer', 'support'] as const;
const MONTHS = ['2024-01', '2024-02', '2024-03'] as const;
const START = Date.parse('2024-01-01T00:00:00Z');
const HOUR = 3_600_000;
const monthEnd = (month: number) => Date.UTC(2024, month + 1, 1);
const lastDay = (month: number) => new Date(monthEnd(month) - 1).toISOString().slice(0, 10);

type Command =
  | { kind: 'touch'; deal: number; partner: number; type: number; day: number }
  | { kind: 'untouch'; deal: number }
  | { kind: 'deal'; deal: number; amount: number; month: number; day: number; model: number }
  | { kind: 'refund' | 'win'; deal: number }
  | { kind: 'amount'; deal: number; amount: number }
  | { kind: 'currency'; deal: number; currency: 'USD' | 'EUR' }
  | { kind: 'model'; deal: number; model: number }
  | { kind: 'settings'; closer: number; halfLife: number }
  | { kind: 'lock' };

const deal = fc.integer({ min: 0, max: DEALS.length - 1 });
const amount = fc.integer({ min: 1, max: 10_000_00 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('touch' as const), deal, partner: fc.integer({ min: 0, max: 2 }), type: fc.integer({ min: 0, max: 4 }), day: fc.integer({ min: 1, max: 80 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('untouch' as const), deal }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('deal' as const), deal, amount, month: fc.integer({ min: 0, max: 2 }), day: fc.integer({ min: 1, max: 28 }), model: fc.integer({ min: 0, max: MODELS.length - 1 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constantFrom('refund' as const, 'win' as const), deal }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('amount' as const), deal, amount }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('currency' as const), deal, currency: fc.constantFrom('USD' as const, 'EUR' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('model' as const), deal, model: fc.integer({ min: 0, max: MODELS.length - 1 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('settings' as const), closer: fc.integer({ min: 1, max: 60 }), halfLife: fc.integer({ min: 1, max: 30 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('lock' as const) }), weight: 2 },
);

/** Every run starts with every deal and a few touchpoints, so the commands have something to move. */
const history = fc
  .tuple(
    fc.array(command.filter((step) => step.kind === 'touch'), { minLength: 5, maxLength: 12 }),
    fc.tuple(...DEALS.map((_, index) => fc.record({ kind: fc.constant('deal' as const), deal: fc.constant(index), amount, month: fc.integer({ min: 0, max: 2 }), day: fc.integer({ min: 1, max: 28 }), model: fc.integer({ min: 0, max: MODELS.length - 1 }) }))),
    fc.array(command, { minLength: 5, maxLength: 30 }),
  )
  .map(([touches, deals, rest]) => [...touches, ...deals, ...rest] as Command[]);

/** The state a run shares between its commands: the clock, and what has been locked so far. */
interface Run {
  clock: number;
  locked: number;
  periods: string[];
  frozen: Map<string, string>;
}

async function apply(api: Api, admin: Api, run: Run, step: Command): Promise<void> {
  const id = 'deal' in step ? DEALS[step.deal]! : '';
  switch (step.kind) {
    case 'touch':
      await api.post('/events', { partner_id: PARTNERS[step.partner], deal_id: id, touchpoint_type: TYPES[step.type], timestamp: new Date(START + step.day * 86_400_000).toISOString() });
      return;
    case 'untouch': {
      const events = (await api.get(`/events?deal_id=${id}&limit=1`)).json<{ data: { id: string }[] }>().data;
      if (events[0]) await api.delete(`/events/${events[0].id}`);
      return;
    }
    case 'deal':
      await api.post('/deals', { id, amount: step.amount / 100, closed_date: `${MONTHS[step.month]}-${String(step.day).padStart(2, '0')}T12:00:00Z`, attribution_model: MODELS[step.model] });
      return;
    case 'refund':
      await api.patch(`/deals/${id}`, { status: 'lost' });
      return;
    case 'win':
      await api.patch(`/deals/${id}`, { status: 'won' });
      return;
    case 'amount':
      await api.patch(`/deals/${id}`, { amount: step.amount / 100 });
      return;
    case 'currency':
      await api.patch(`/deals/${id}`, { currency: step.currency });
      return;
    case 'model':
      await api.patch(`/deals/${id}`, { attribution_model: MODELS[step.model] });
      return;
    case 'settings':
      await admin.patch('/settings', { role_weights: { closer: step.closer }, half_life_days: step.halfLife });
      return;
    case 'lock':
      await lockNextMonth(admin, run);
  }
}

async function lockNextMonth(admin: Api, run: Run): Promise<void> {
  if (run.locked >= MONTHS.length) return;
  const month = run.locked++;
  run.clock = Math.max(run.clock, monthEnd(month) + HOUR);
  const period = await admin.post('/payout-periods', { start_date: `${MONTHS[month]}-01`, end_date: lastDay(month) });
  expect(period.statusCode, period.body).toBe(201);
  const { id } = period.json<PeriodBody>();
  const locked = await admin.post(`/payout-periods/${id}/lock`);
  expect(locked.statusCode, locked.body).toBe(200);
  run.periods.push(id);
  for (const [key, bytes] of await statementBytes(admin, [id], PARTNERS)) run.frozen.set(key, bytes);
}

async function checkRun(admin: Api, run: Run): Promise<void> {
  expect(await statementBytes(admin, run.periods, PARTNERS)).toEqual(run.frozen);
  while (run.locked < MONTHS.length) await lockNextMonth(admin, run);
  await expectLedgerMatchesPayouts(admin, PARTNERS, DEALS);
}

describe('locked statements and the ledger, over random histories', () => {
  it('hold on one instance', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (commands) => {
        const run: Run = { clock: START, locked: 0, periods: [], frozen: new Map() };
        const t = await startTestApp({}, { now: () => run.clock });
        try {
          await createPartners(t.api);
          for (const step of commands) {
            run.clock += HOUR;
            await apply(t.api, t.api, run, step);
          }
          await checkRun(t.api, run);
        } finally {
          await t.close();
        }
      }),
      { numRuns: testDialect() === 'postgres' ? 4 : 8 },
    );
  });

  it.skipIf(testDialect() !== 'postgres' || missingServices({ postgres: true }) !== undefined)('hold with two instances writing at once (PostgreSQL)', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (commands) => {
        const pairs = Array.from({ length: Math.ceil(commands.length / 2) }, (_, n) => [commands[2 * n]!, commands[2 * n + 1]] as const);
        const run: Run = { clock: START, locked: 0, periods: [], frozen: new Map() };
        const cluster = await startTestCluster({ dialect: 'postgres', now: () => run.clock });
        try {
          const [a, b] = cluster.instances;
          await createPartners(a!.api);
          for (const [first, second] of pairs) {
            run.clock += HOUR;
            await Promise.all([apply(a!.api, a!.api, run, first), second && apply(b!.api, b!.api, run, second)]);
          }
          await checkRun(a!.api, run);
          await expectLedgerMatchesPayouts(b!.api, PARTNERS, DEALS);
        } finally {
          await cluster.close();
        }
      }),
      { numRuns: 3 },
    );
  });
});

async function createPartners(api: Api): Promise<void> {
  for (const id of PARTNERS) expect((await api.post('/partners', { id, name: `Partner ${id}`, email: `${id}@example.com` })).statusCode).toBe(201);
}
