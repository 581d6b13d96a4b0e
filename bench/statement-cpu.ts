/**
 * Backend CPU of SQL files run alternately on one PostgreSQL connection (from /proc, the server
 * being local): for A/B of one statement's shapes without the service around it.
 * `npx tsx bench/statement-cpu.ts <url> <runs per round> <rounds> a.sql b.sql …`; each file's
 * statements run in one transaction, parallel workers and JIT off as the analytics read sets them.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { cpuSecondsOf } from './processes.js';

const [url, runsText, roundsText, ...files] = process.argv.slice(2);
const client = new pg.Client({ connectionString: url });
await client.connect();
const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
const pid = rows[0]!.pid;
const cpu = () => (cpuSecondsOf(pid) ?? 0) * 1000;
const texts = files.map((file) => readFileSync(file!, 'utf8'));
const spent = files.map(() => [] as number[]);
const wall = files.map(() => [] as number[]);
for (let round = 0; round < Number(roundsText); round++) {
  for (const [index, text] of texts.entries()) {
    const [cpu0, wall0] = [cpu(), performance.now()];
    for (let run = 0; run < Number(runsText); run++) {
      await client.query(`begin; select set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true); ${text}; commit`);
    }
    spent[index]!.push((cpu() - cpu0) / Number(runsText));
    wall[index]!.push((performance.now() - wall0) / Number(runsText));
  }
}
for (const [index, file] of files.entries()) {
  console.log(`${file}: backend CPU per run ${spent[index]!.map((ms) => ms.toFixed(1)).join(' / ')} ms; wall ${wall[index]!.map((ms) => ms.toFixed(1)).join(' / ')} ms`);
}
await client.end();
