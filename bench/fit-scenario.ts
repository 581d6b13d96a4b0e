import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { memoryOf } from './processes.js';
import { formatCount, formatMb } from './report.js';
import type { BenchContext } from './scenarios.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The data-driven fits, two ways. Through the service: the first `GET /attribution-models/markov`
 * fits both models from the stored deals and touchpoints (read page by page, fitted, stored), so
 * its latency is a full refit end to end. In a process of its own (bench/fit-models.ts): the fit
 * alone, on the same sizes, with its CPU time and memory growth. Runs after the peak-RSS row, so
 * that row stays the serving figure; the refit's own RSS is reported here.
 */
export async function fitModels(ctx: BenchContext): Promise<void> {
  const scenario = 'Full refit of markov + shapley through the service (first GET /attribution-models/markov)';
  if (!ctx.paths.has('/attribution-models/markov')) {
    ctx.rows.push({ scenario, unavailable: true, target: '≤ 2 s' });
  } else {
    ctx.log('fitting markov and shapley through the service');
    const started = performance.now();
    const fit = await ctx.service.client.getJson<{ version: number; won_deals: number; lost_deals: number; partners_total: number }>(
      '/attribution-models/markov?limit=1',
    );
    const ms = performance.now() - started;
    const memory = memoryOf(ctx.service.pid);
    ctx.rows.push({ scenario, p50: ms, target: '≤ 2 s', met: ms <= 2000 });
    ctx.notes.push(
      `Refit through the service: ${formatCount(fit.won_deals)} won and ${formatCount(fit.lost_deals)} lost deals, ` +
        `${formatCount(fit.partners_total)} partners in the fit; service RSS afterwards ${memory ? formatMb(memory.rss) : 'unknown'}` +
        `${memory ? `, peak over the whole run now ${formatMb(memory.peak)}` : ''}`,
    );
    const again = performance.now();
    await ctx.service.client.getJson('/attribution-models/markov?limit=1');
    ctx.notes.push(`GET /attribution-models/markov once fitted (stored fit, parsed once per instance): ${(performance.now() - again).toFixed(1)} ms`);
  }

  const { deals, touchpoints, partners } = ctx.options;
  ctx.log(`fitting in a process of its own (bench/fit-models.ts, ${formatCount(partners)} partners)`);
  // Asynchronously: a blocked event loop would miss the servers closing idle keep-alive sockets.
  const args = ['--deals', String(deals), '--touchpoints', String(touchpoints), '--partners', String(partners)];
  let run: { stdout: string };
  try {
    run = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--expose-gc', join(ROOT, 'bench/fit-models.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });
  } catch (error) {
    ctx.notes.push(`bench/fit-models.ts failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return;
  }
  for (const model of ['markov', 'shapley']) {
    const line = run.stdout.split('\n').find((text) => text.startsWith(`${model}:`));
    const cpu = Number(/(\d+) ms CPU/.exec(line ?? '')?.[1] ?? NaN);
    ctx.rows.push({ scenario: `Fit ${model} alone, in process (CPU time)`, p50: cpu, target: '≤ 2 s', met: cpu <= 2000 });
  }
  ctx.notes.push(`bench/fit-models.ts: ${run.stdout.trim().split('\n').join('; ')}`);
}
