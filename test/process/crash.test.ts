import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, spawnServer, waitForHealthy, type ServerProcess } from './server-process.js';

const directory = mkdtempSync(join(tmpdir(), 'attribution-crash-'));
const running: ServerProcess[] = [];
afterAll(() => {
  for (const server of running) server.child.kill('SIGKILL');
  rmSync(directory, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = spawnServer(directory, { RATE_LIMIT_MAX: '100000' }, await freePort());
  running.push(server);
  await waitForHealthy(server);
  return server;
}

describe('an acknowledged write survives kill -9', () => {
  it('keeps every acknowledged event exactly once across a crash and restart', async () => {
    const first = await start();
    const key = /API_KEY=(sk_\S+)/.exec(readFileSync(join(directory, '.env.local'), 'utf8'))![1]!;
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    const partner = await fetch(`${first.url}/partners`, { method: 'POST', headers, body: JSON.stringify({ id: 'p1', name: 'Crash', email: 'crash@example.com' }) });
    expect(partner.status).toBe(201);

    // 50 clients post one event after another until the server dies under them: however fast it
    // answers, the kill after 150 acknowledged writes always cuts some requests off.
    const acknowledged: string[] = [];
    let killed = false;
    let cutOff = 0;
    let next = 0;
    const client = async () => {
      for (;;) {
        const id = `crash-${next++}`;
        try {
          const res = await fetch(`${first.url}/events`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ id, partner_id: 'p1', deal_id: `deal-${next % 7}`, touchpoint_type: 'demo' }),
          });
          if (res.status === 201 || res.status === 200) acknowledged.push(id);
        } catch {
          // the connection died with the process: not acknowledged
          cutOff++;
          return;
        }
        if (acknowledged.length >= 150 && !killed) {
          killed = true;
          first.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, client));
    const { signal } = await first.exited;
    expect(signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    expect(cutOff).toBe(50);

    const second = await start();
    const res = await fetch(`${second.url}/events?partner_id=p1&limit=1000`, { headers });
    const body = (await res.json()) as { data: { id: string }[]; pagination: { total: number } };
    const stored = body.data.map((event) => event.id);
    expect(new Set(stored).size).toBe(stored.length);
    expect(body.pagination.total).toBe(stored.length);
    for (const id of acknowledged) expect(stored).toContain(id);
  });
});
