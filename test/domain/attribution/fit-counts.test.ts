import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FitCounts,
  PATH_LINES,
  collapseRepeats,
  countMarkovPath,
  countShapleyPath,
  emptyMarkovCounts,
  emptyShapleyCounts,
  fitMarkovCounts,
  fitPackedMarkov,
  fitShapleyCounts,
  fitPackedShapley,
  packShapleyFit,
  readStoredShapleyFit,
  markovCountsOf,
  shapleyCountsOf,
  packMarkovFit,
  type PartnerPath,
} from '../../../src/domain/attribution/index.js';
import { fitPaths } from './arbitraries.js';

/** The path-by-path counters the fits were first written with: the reference for the interned one. */
function countedPathByPath(paths: readonly PartnerPath[]) {
  const markov = emptyMarkovCounts();
  const shapley = emptyShapleyCounts();
  for (const path of paths) {
    countMarkovPath(markov, path);
    countShapleyPath(shapley, path);
  }
  return { markov, shapley };
}

function countedInOnePass(paths: readonly PartnerPath[]) {
  const counts = new FitCounts();
  for (const path of paths) counts.addPath(path.partners, path.won);
  return { markov: counts.markovCounts(), shapley: counts.shapleyCounts() };
}

const sortedEntries = <V>(map: Map<string, V>) => [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('FitCounts (both fits counted in one pass, partners interned)', () => {
  it('counts exactly what countMarkovPath and countShapleyPath count, so the fits are the same bytes', () => {
    fc.assert(
      fc.property(fitPaths, (paths) => {
        const reference = countedPathByPath(paths);
        const interned = countedInOnePass(paths);
        expect(interned.markov.won).toBe(reference.markov.won);
        expect(interned.markov.lost).toBe(reference.markov.lost);
        expect(sortedEntries(interned.markov.pathsPerPartner)).toEqual(sortedEntries(reference.markov.pathsPerPartner));
        expect(sortedEntries(interned.markov.transitions).map(([from, out]) => [from, sortedEntries(out)])).toEqual(
          sortedEntries(reference.markov.transitions).map(([from, out]) => [from, sortedEntries(out)]),
        );
        expect(sortedEntries(interned.shapley.byKey)).toEqual(sortedEntries(reference.shapley.byKey));
        expect(JSON.stringify(fitMarkovCounts(interned.markov, 7))).toBe(JSON.stringify(fitMarkovCounts(reference.markov, 7)));
        expect(JSON.stringify(fitShapleyCounts(interned.shapley, 7))).toBe(JSON.stringify(fitShapleyCounts(reference.shapley, 7)));
      }),
      { numRuns: 500 },
    );
  });

  it('collapses consecutive repeats, keeps returns, and skips empty paths', () => {
    const counts = new FitCounts();
    counts.addPath(['a', 'a', 'b', 'a'], true);
    counts.addPath([], false);
    counts.addPath(['b'], false);
    const markov = counts.markovCounts();
    // a > b > a > won: a's self-loop is gone, and a goes on to b once and ends (won) once.
    expect(markov.transitions.get('a')?.get('a')).toBeUndefined();
    expect(markov.transitions.get('a')?.get('b')).toBe(1);
    expect(markov.transitions.get('a')?.size).toBe(2);
    expect(markov.transitions.get('b')?.get('a')).toBe(1);
    expect(markov.pathsPerPartner.get('a')).toBe(1);
    expect(markov.pathsPerPartner.get('b')).toBe(2);
    expect([markov.won, markov.lost]).toEqual([1, 1]);
    const shapley = counts.shapleyCounts();
    expect(sortedEntries(shapley.byKey).map(([, c]) => c)).toEqual([
      { partnerIds: ['a', 'b'], won: 1, lost: 0 },
      { partnerIds: ['b'], won: 0, lost: 1 },
    ]);
  });
});

describe('FitCounts.addPathLines (the refit\'s pages: every path of a page in one text)', () => {
  const snapshotOf = (add: (counts: FitCounts) => void) => {
    const counts = new FitCounts();
    add(counts);
    return counts.snapshot();
  };
  const asLines = (paths: readonly { partners: readonly string[]; won: boolean }[]) =>
    paths.map((path) => `${path.won ? PATH_LINES.won : PATH_LINES.lost}${path.partners.join(PATH_LINES.partner)}`).join(PATH_LINES.line);

  it('counts exactly what addPath counts from the same partners, however the paths are cut into pages', () => {
    fc.assert(
      fc.property(fitPaths, fc.array(fc.nat(), { maxLength: 4 }), (paths, cuts) => {
        const bounds = [0, ...cuts.map((cut) => cut % (paths.length + 1)).sort((a, b) => a - b), paths.length];
        const pages = bounds.slice(1).map((end, i) => asLines(paths.slice(bounds[i], end)));
        expect(snapshotOf((counts) => pages.forEach((page) => counts.addPathLines(page)))).toEqual(
          snapshotOf((counts) => paths.forEach((path) => counts.addPath(path.partners, path.won))),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('counts paths with their repeats collapsed exactly as the paths themselves (the stored fit paths)', () => {
    fc.assert(
      fc.property(fitPaths, (paths) => {
        const collapsed = paths.map((path) => ({ ...path, partners: collapseRepeats(path.partners) }));
        expect(snapshotOf((counts) => counts.addPathLines(asLines(collapsed)))).toEqual(snapshotOf((counts) => counts.addPathLines(asLines(paths))));
      }),
      { numRuns: 300 },
    );
    expect(collapseRepeats(['a', 'a', 'b', 'b', 'a', 'c', 'c'])).toEqual(['a', 'b', 'a', 'c']);
    expect(collapseRepeats([])).toEqual([]);
  });

  it('tells apart thousands of partners, ids that are prefixes of others and ids of the same hash', () => {
    // 'Aa' and 'BB' hash alike (31 · 65 + 97 = 31 · 66 + 66); 3,000 partners outgrow the first table four times.
    const ids = ['Aa', 'BB', 'AaBB', 'BBAa', 'p1', 'p10', 'p100', ...Array.from({ length: 3000 }, (_, i) => `bp-${i}`)];
    const paths = ids.map((id, i) => ({ partners: [id, ids[(i * 7) % ids.length] as string, id], won: i % 3 > 0 }));
    const joined = snapshotOf((counts) => counts.addPathLines(asLines(paths)));
    expect(joined).toEqual(snapshotOf((counts) => paths.forEach((path) => counts.addPath(path.partners, path.won))));
    expect([...joined.partnerIds].sort()).toEqual([...ids].sort());
  });

  it('adds nothing for a line without partners, and refuses a line that is neither won nor lost', () => {
    expect(snapshotOf((counts) => counts.addPathLines('W\nLa\nW'))).toEqual(snapshotOf((counts) => counts.addPath(['a'], false)));
    expect(() => new FitCounts().addPathLines('Wa\nXb')).toThrow(/starts with "X"/);
  });
});

describe('fitPackedMarkov and fitPackedShapley (the refit threads\' fits, straight from the snapshots)', () => {
  const snapshotsOf = (paths: readonly PartnerPath[], split: number) => {
    const [first, second] = [new FitCounts(), new FitCounts()];
    paths.forEach((path, i) => (i < split ? first : second).addPath(path.partners, path.won));
    return [first.snapshot(), second.snapshot()];
  };

  it('store the same bytes as the fits of the same counts, packed, however the deals are split', () => {
    fc.assert(
      fc.property(fitPaths, fc.nat(), (paths, cut) => {
        const split = paths.length === 0 ? 0 : cut % (paths.length + 1);
        const reference = JSON.stringify(packMarkovFit(fitMarkovCounts(markovCountsOf(...snapshotsOf(paths, split)), 5)));
        expect(JSON.stringify(fitPackedMarkov(snapshotsOf(paths, split), 5))).toBe(reference);
        expect(JSON.stringify(fitPackedMarkov(snapshotsOf(paths, 0), 5))).toBe(reference);
        const shapleyFit = fitShapleyCounts(shapleyCountsOf(...snapshotsOf(paths, split)), 5);
        const shapley = JSON.stringify(packShapleyFit(shapleyFit));
        expect(JSON.stringify(fitPackedShapley(snapshotsOf(paths, split), 5))).toBe(shapley);
        expect(JSON.stringify(fitPackedShapley(snapshotsOf(paths, 0), 5))).toBe(shapley);
        // What is stored reads back as the fit, byte for byte; a fit stored before packing reads as it is.
        expect(JSON.stringify(readStoredShapleyFit(JSON.parse(shapley)))).toBe(JSON.stringify(shapleyFit));
        expect(readStoredShapleyFit(JSON.parse(JSON.stringify(shapleyFit)))).toEqual(shapleyFit);
      }),
      { numRuns: 500 },
    );
  });

  it('fits nothing from no paths', () => {
    expect(fitPackedMarkov([new FitCounts().snapshot()], 1)).toEqual({ model: 'markov', version: 1, wonDeals: 0, lostDeals: 0, conversion: 0, partners: [], transitionTable: [] });
    expect(fitPackedShapley([new FitCounts().snapshot()], 1)).toEqual({ model: 'shapley', version: 1, wonDeals: 0, lostDeals: 0, partnerIds: [], coalitionTable: [] });
  });
});
