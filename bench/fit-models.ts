/**
 * Times the data-driven fits on the benchmark's data set, in process and without storage:
 * `npx tsx bench/fit-models.ts [--deals 200000] [--touchpoints 1000000] [--partners 2000]`.
 * Prints the wall time of each step and the heap and RSS growth. Counts as the service does (one
 * pass, `FitCounts`), then fits each model from the counts, as the service's fit thread does.
 */
import { parseArgs } from 'node:util';
import { FitCounts, markovCountsOf, shapleyCountsOf } from '../src/domain/attribution/fit-counts.js';
import { fitMarkovCounts } from '../src/domain/attribution/markov.js';
import type { PartnerPath } from '../src/domain/attribution/partner-path.js';
import { fitShapleyCounts } from '../src/domain/attribution/shapley.js';
import { isWonDeal, touchpoint } from './dataset.js';

const { values } = parseArgs({
  options: { deals: { type: 'string' }, touchpoints: { type: 'string' }, partners: { type: 'string' } },
});
const deals = Number(values.deals ?? 200_000);
const touchpoints = Number(values.touchpoints ?? 1_000_000);
const partners = Number(values.partners ?? 2000);

function buildPaths(): PartnerPath[] {
  const byDeal: { timestamp: number; partner: string }[][] = Array.from({ length: deals }, () => []);
  for (let n = 0; n < touchpoints; n += 1) {
    const t = touchpoint(n, deals, partners);
    byDeal[n % deals]?.push({ timestamp: Date.parse(t.timestamp), partner: t.partner_id });
  }
  return byDeal.map((list, deal) => ({
    partners: list.sort((a, b) => a.timestamp - b.timestamp).map((t) => t.partner),
    won: isWonDeal(deal),
  }));
}

function mb(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MB`;
}

/** Wall time and this process's CPU time (user + system) of `run`, in ms: on a shared machine the CPU time is the steadier figure. */
function timed<T>(run: () => T): { result: T; wallMs: number; cpuMs: number } {
  const [wall, cpu] = [performance.now(), process.cpuUsage()];
  const result = run();
  const used = process.cpuUsage(cpu);
  return { result, wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
}

const paths = buildPaths();
global.gc?.();
const before = process.memoryUsage();
const { result: snapshot, wallMs: countMs, cpuMs: countCpu } = timed(() => {
  const counts = new FitCounts();
  for (const path of paths) counts.addPath(path.partners, path.won);
  return counts.snapshot();
});
const afterCount = process.memoryUsage();
const { result: markov, wallMs: markovMs, cpuMs: markovCpu } = timed(() => fitMarkovCounts(markovCountsOf(snapshot), 1));
const afterMarkov = process.memoryUsage();
const { result: shapley, wallMs: shapleyMs, cpuMs: shapleyCpu } = timed(() => fitShapleyCounts(shapleyCountsOf(snapshot), 1));
const afterShapley = process.memoryUsage();

console.log(`data: ${deals} deals, ${touchpoints} touchpoints, ${markov.partners.length} partners in the fit`);
console.log(`count (both models, one pass): ${countMs.toFixed(0)} ms wall, ${countCpu.toFixed(0)} ms CPU, heap +${mb(afterCount.heapUsed - before.heapUsed)}`);
console.log(
  `markov: ${markovMs.toFixed(0)} ms wall, ${markovCpu.toFixed(0)} ms CPU, ${markov.transitions.length} transitions, ` +
    `heap +${mb(afterMarkov.heapUsed - before.heapUsed)} (with the counts), rss +${mb(afterMarkov.rss - before.rss)}`,
);
console.log(
  `shapley: ${shapleyMs.toFixed(0)} ms wall, ${shapleyCpu.toFixed(0)} ms CPU, ${shapley.coalitions.length} coalitions, ` +
    `heap +${mb(afterShapley.heapUsed - afterMarkov.heapUsed)}`,
);
console.log(`peak rss ${mb(afterShapley.rss)}`);
