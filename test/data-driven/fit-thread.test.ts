import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FitCounts, fitMarkovCounts, fitShapleyCounts, packMarkovFit, type PartnerPath } from '../../src/domain/attribution/index.js';
import { fitOnThreads } from '../../src/services/attribution/fit-thread.js';
import { fitPaths } from '../domain/attribution/arbitraries.js';

const countsOf = (paths: readonly PartnerPath[]) => {
  const counts = new FitCounts();
  for (const path of paths) counts.addPath(path.partners, path.won);
  return counts;
};

describe('the fit thread', () => {
  it('stores exactly the bytes the fits give inline, for both models', async () => {
    await fc.assert(
      fc.asyncProperty(fitPaths, fc.integer({ min: 1, max: 1000 }), async (paths, version) => {
        const counts = countsOf(paths);
        const fitted = await fitOnThreads([counts.snapshot()], { markov: version, shapley: version + 1 });
        const markov = fitMarkovCounts(counts.markovCounts(), version);
        const shapley = fitShapleyCounts(counts.shapleyCounts(), version + 1);
        expect(fitted.markov).toEqual({ json: JSON.stringify(packMarkovFit(markov)), wonDeals: markov.wonDeals, lostDeals: markov.lostDeals });
        expect(fitted.shapley).toEqual({ json: JSON.stringify(shapley), wonDeals: shapley.wonDeals, lostDeals: shapley.lostDeals });
      }),
      { numRuns: 40 },
    );
  });

  it('fits the same bytes from the counts of the deals split in two (as two threads count them) as from all of them', async () => {
    await fc.assert(
      fc.asyncProperty(fitPaths, fc.nat(), async (paths, cut) => {
        const at = paths.length === 0 ? 0 : cut % (paths.length + 1);
        const halves = [countsOf(paths.slice(0, at)).snapshot(), countsOf(paths.slice(at)).snapshot()];
        const fitted = await fitOnThreads(halves, { markov: 3, shapley: 3 });
        const all = countsOf(paths);
        expect(fitted.markov.json).toBe(JSON.stringify(packMarkovFit(fitMarkovCounts(all.markovCounts(), 3))));
        expect(fitted.shapley.json).toBe(JSON.stringify(fitShapleyCounts(all.shapleyCounts(), 3)));
      }),
      { numRuns: 40 },
    );
  });

  it('leaves the event loop free while it solves', async () => {
    // 400 partners, each path three at random: a dense chain. Fitted inline, no turn would pass before the answer.
    let state = 7;
    const random = (n: number) => ((state = (state * 48271) % 2147483647), state % n);
    const paths = Array.from({ length: 20_000 }, () => ({ partners: [`p${random(400)}`, `p${random(400)}`, `p${random(400)}`], won: random(5) > 0 }));
    let turns = 0;
    let running = true;
    const tick = () => {
      turns += 1;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const fitted = await fitOnThreads([countsOf(paths).snapshot()], { markov: 1, shapley: 1 });
    running = false;
    expect(JSON.parse(fitted.markov.json).partners).toHaveLength(400);
    expect(turns).toBeGreaterThan(1);
  });
});
