import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countShapleyPath,
  emptyShapleyCounts,
  fitShapley,
  fitShapleyCounts,
  shapleyFromCoalitions,
  shapleyValues,
  type PartnerPath,
} from '../../../src/domain/attribution/index.js';

const path = (partners: string, won: boolean): PartnerPath => ({ partners: partners.split('>'), won });
const repeat = (times: number, p: PartnerPath) => Array.from({ length: times }, () => p);

/** The game's value straight from the raw paths: the win rate of deals whose partner set is exactly `set`. */
function rawWinRate(paths: readonly PartnerPath[], set: ReadonlySet<string>): number {
  const same = paths.filter((p) => {
    const own = new Set(p.partners);
    return own.size === set.size && [...own].every((id) => set.has(id));
  });
  return same.length === 0 ? 0 : same.filter((p) => p.won).length / same.length;
}

/** A second implementation: the average marginal contribution over every one of the n! orders. */
function shapleyByPermutations(players: readonly string[], value: (set: ReadonlySet<string>) => number): number[] {
  const totals = players.map(() => 0);
  let orders = 0;
  const visit = (order: string[], rest: string[]) => {
    if (rest.length === 0) {
      orders += 1;
      const joined = new Set<string>();
      for (const player of order) {
        const before = value(joined);
        joined.add(player);
        const index = players.indexOf(player);
        totals[index] = (totals[index] ?? 0) + value(joined) - before;
      }
      return;
    }
    rest.forEach((player, i) => visit([...order, player], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  visit([], [...players]);
  return totals.map((total) => total / orders);
}

describe('Shapley: published reference examples', () => {
  // github.com/eeghor/mta, tests/test_shapley.py (commit 2e4278fa): the mta package's game is
  // Zhao et al.'s characteristic function v(S) = conversions of journeys whose channels are a
  // subset of S. Published: a single channel with 5 conversions gets 5; one path a > b > c > d
  // with 10 conversions gives 2.5 each; paths "a" (4) and "a > b" (6) give a 7, b 3.
  const cumulative = (conversionsByExactSet: Record<string, number>, players: string[]) =>
    Object.keys(conversionsByExactSet).length === 0
      ? []
      : subsetsOf(players).map((members) => ({
          members: members.map((m) => players.indexOf(m)),
          value: Object.entries(conversionsByExactSet)
            .filter(([set]) => set.split('>').every((id) => members.includes(id)))
            .reduce((sum, [, conversions]) => sum + conversions, 0),
        }));

  it('single channel: a gets all 5 conversions', () => {
    expect(shapleyFromCoalitions(1, cumulative({ a: 5 }, ['a']))).toEqual([5]);
  });

  it('four-channel path: 2.5 conversions each', () => {
    expect(shapleyFromCoalitions(4, cumulative({ 'a>b>c>d': 10 }, ['a', 'b', 'c', 'd']))).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('mixed paths: a 7, b 3 (Zhao et al. 2018, simplified formula: a = 4/1 + 6/2, b = 6/2)', () => {
    expect(shapleyFromCoalitions(2, cumulative({ a: 4, 'a>b': 6 }, ['a', 'b']))).toEqual([7, 3]);
  });
});

describe('fitShapley', () => {
  it('counts won and lost deals per exact partner set, repeats and order ignored', () => {
    const fit = fitShapley([path('b>a>b', true), path('a>b', false), path('a', true), path('c', false)], 4);
    expect(fit).toEqual({
      model: 'shapley',
      version: 4,
      wonDeals: 2,
      lostDeals: 2,
      coalitions: [
        { partnerIds: ['a'], won: 1, lost: 0 },
        { partnerIds: ['a', 'b'], won: 1, lost: 1 },
        { partnerIds: ['c'], won: 0, lost: 1 },
      ],
    });
  });

  it('is the same fitted from counts streamed one deal at a time', () => {
    const data = [path('b>a>b', true), path('a>b', false), path('a', true)];
    const counts = emptyShapleyCounts();
    for (const deal of data) countShapleyPath(counts, deal);
    expect(fitShapleyCounts(counts, 2)).toEqual(fitShapley(data, 2));
  });

  it('skips deals with no partner', () => {
    expect(fitShapley([{ partners: [], won: true }], 1)).toMatchObject({ wonDeals: 0, coalitions: [] });
  });
});

describe('shapleyValues', () => {
  const fit = fitShapley([...repeat(3, path('a', true)), path('a', false), path('a>b', true)], 1);

  it('plays the game on the deal\'s own partners: a 7/8, b 1/8', () => {
    expect(shapleyValues(fit, ['a', 'b'])).toEqual([0.875, 0.125]);
    expect(shapleyValues(fit, ['b', 'a'])).toEqual([0.125, 0.875]);
  });

  it('can be 0 or negative when partners do worse together than apart', () => {
    const rival = fitShapley([path('a', true), path('b', true), path('a>b', false)], 1);
    // v(a) = v(b) = 1, v(ab) = 0: each is worth 1/2 · 1 + 1/2 · (0 - 1) = 0.
    expect(shapleyValues(rival, ['a', 'b'])).toEqual([0, 0]);
    // v(a) = 1, v(b) = 0, v(ab) = 0: b only ever spoils a's wins.
    const worse = fitShapley([path('a', true), path('a>b', false)], 1);
    expect(shapleyValues(worse, ['a', 'b'])).toEqual([0.5, -0.5]);
  });

  it('is exact past 12 partners too: the coalition scan agrees with the subset formula', () => {
    const players = Array.from({ length: 14 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const data = [
      { partners: players, won: true },
      { partners: players.slice(0, 3), won: true },
      { partners: players.slice(0, 3), won: false },
      { partners: players.slice(5, 7), won: true },
      { partners: [players[13] as string], won: true },
      { partners: ['outsider', players[0] as string], won: true },
    ];
    const expected = shapleyBySubsets(players, (set) => rawWinRate(data, set));
    const actual = shapleyValues(fitShapley(data, 1), players);
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i] ?? NaN, 12));
  });
});

describe('shapleyValues properties', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const data = fc.array(
    fc.record({ partners: fc.array(fc.constantFrom(...ids), { minLength: 1, maxLength: 6 }), won: fc.boolean() }),
    { minLength: 1, maxLength: 40 },
  );
  const deal = fc.uniqueArray(fc.constantFrom(...ids), { minLength: 1, maxLength: 6 });

  it('equals the average over every permutation, computed from the raw paths (500 random fits)', () => {
    fc.assert(
      fc.property(data, deal, (paths, partners) => {
        const expected = shapleyByPermutations(partners, (set) => rawWinRate(paths, set));
        const actual = shapleyValues(fitShapley(paths, 1), partners);
        actual.forEach((value, i) => expect(Math.abs(value - (expected[i] ?? NaN))).toBeLessThan(1e-12));
      }),
      { numRuns: 500 },
    );
  });

  it('is efficient: the values add up to the win rate of the deal\'s own partner set', () => {
    fc.assert(
      fc.property(data, deal, (paths, partners) => {
        const sum = shapleyValues(fitShapley(paths, 1), partners).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(rawWinRate(paths, new Set(partners)), 12);
      }),
      { numRuns: 300 },
    );
  });
});

function subsetsOf(players: readonly string[]): string[][] {
  return Array.from({ length: 2 ** players.length - 1 }, (_, i) => players.filter((_, bit) => ((i + 1) >> bit) & 1));
}

/** The textbook subset formula Σ_S |S|!(n-|S|-1)!/n! (v(S ∪ i) - v(S)), enumerating all 2ⁿ⁻¹ subsets. */
function shapleyBySubsets(players: readonly string[], value: (set: ReadonlySet<string>) => number): number[] {
  const n = players.length;
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  return players.map((player) => {
    const others = players.filter((p) => p !== player);
    let total = 0;
    for (let mask = 0; mask < 2 ** others.length; mask += 1) {
      const set = new Set(others.filter((_, bit) => (mask >> bit) & 1));
      const before = value(set);
      total += ((factorial(set.size) * factorial(n - set.size - 1)) / factorial(n)) * (value(new Set([...set, player])) - before);
    }
    return total;
  });
}
