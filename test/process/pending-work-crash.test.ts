import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from './server-process.js';

/**
 * Pending work is durable: a process killed with work still queued leaves it in the database,
 * and the next process drains it in the background, with no reader asking.
 */
const directory = mkdtempSync(join(tmpdir(), 'attribution-pending-crash-'));
const running: ServerProcess[] = [];
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = spawnServer(directory, { RATE_LIMIT_MAX: '100000', ...env }, await freePort());
  running.push(server);
  await waitForHealthy(server);
  return server;
}

const DEALS = 40;

function pendingDeals(): number {
  const db = new Database(join(directory, 'data', 'attribution.db'), { readonly: true });
  try {
    return (db.prepare('select count(*) as n from attribution_pending').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('pending work survives kill -9', () => {
  it('is drained by the next process, and every result then equals a fresh computation', async () => {
    // The first process never drains in the background, so its work is certainly pending when it dies.
    const first = await start({ PROPAGATION_WORKER: 'off' });
    const key = /API_KEY=(sk_\S+)/.exec(readFileSync(join(directory, '.env.local'), 'utf8'))![1]!;
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    const post = async (url: string, path: string, body: unknown) => {
      const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      expect(res.status).toBe(201);
    };
    for (const id of ['p1', 'p2', 'p3']) await post(first.url, '/partners', { id, name: id, email: `${id}@example.com` });
    for (let n = 0; n < DEALS; n++) {
      await post(first.url, '/deals', { id: `d${n}`, amount: 1000 + n, closed_date: '2024-02-01T00:00:00Z', attribution_model: 'linear' });
    }
    await post(first.url, '/events/batch', {
      events: Array.from({ length: DEALS * 3 }, (_, n) => ({
        partner_id: `p${(n % 3) + 1}`,
        deal_id: `d${n % DEALS}`,
        touchpoint_type: 'demo',
        timestamp: '2024-01-15T00:00:00Z',
      })),
    });
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect(pendingDeals()).toBe(DEALS);

    const second = await start({});
    const deadline = Date.now() + 30_000;
    while (pendingDeals() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pendingDeals()).toBe(0);

    let total = 0;
    for (let n = 0; n < DEALS; n++) {
      const stored = (await (await fetch(`${second.url}/attribution/d${n}`, { headers })).json()) as { cached: boolean; attributions: { payout: number }[] };
      const fresh = (await (await fetch(`${second.url}/attribution/d${n}?recalculate=true`, { headers })).json()) as typeof stored;
      expect(stored.cached).toBe(true);
      expect(stored.attributions).toEqual(fresh.attributions);
      expect(stored.attributions).toHaveLength(3);
      total += 1000 + n;
    }
    const analytics = (await (await fetch(`${second.url}/analytics`, { headers })).json()) as { overview: { total_revenue: number; attributed_revenue: number } };
    expect(analytics.overview).toMatchObject({ total_revenue: total, attributed_revenue: total });
  });
});
