import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countMarkovPath,
  emptyMarkovCounts,
  fitMarkov,
  fitMarkovCounts,
  packMarkovFit,
  packedRowTotals,
  packedTransition,
  readStoredMarkovFit,
  type MarkovFit,
  type PartnerPath,
} from '../../../src/domain/attribution/index.js';
import { chainWorkspace, solveAbsorbingChain } from '../../../src/domain/attribution/absorbing-chain.js';
import { factorLU, solveLU } from '../../../src/domain/attribution/dense-lu.js';
import { inverseDiagonal } from '../../../src/domain/attribution/inverse-diagonal.js';

const path = (partners: string, won: boolean): PartnerPath => ({ partners: partners === '' ? [] : partners.split('>'), won });
const repeat = (times: number, p: PartnerPath) => Array.from({ length: times }, () => p);
const effects = (fit: MarkovFit) => Object.fromEntries(fit.partners.map((p) => [p.partnerId, p.removalEffect]));

/**
 * A second implementation, written differently on purpose: the chain keeps self-loops, lives in
 * maps keyed by state name, and each removal effect comes from its own chain with the partner
 * removed, solved by value iteration (h ← Q h + b) until no value moves by more than 1e-15.
 * Agreement within 1e-9 is asserted.
 */
function bruteForceRemovalEffects(paths: readonly PartnerPath[]): Record<string, number> {
  const edges = new Map<string, Map<string, number>>();
  const add = (from: string, to: string) => {
    const out = edges.get(from) ?? new Map<string, number>();
    out.set(to, (out.get(to) ?? 0) + 1);
    edges.set(from, out);
  };
  for (const { partners, won } of paths) {
    if (partners.length === 0) continue;
    const states = ['#start', ...partners.map((p) => `p:${p}`), won ? '#won' : '#lost'];
    for (let i = 1; i < states.length; i += 1) add(states[i - 1] as string, states[i] as string);
  }
  const conversion = (removed?: string): number => {
    const h = new Map<string, number>([['#won', 1]]);
    for (let sweep = 0; sweep < 100_000; sweep += 1) {
      let moved = 0;
      for (const [from, out] of edges) {
        if (from === removed) continue;
        const total = [...out.values()].reduce((a, b) => a + b, 0);
        let value = 0;
        for (const [to, count] of out) if (to !== removed) value += (count / total) * (h.get(to) ?? 0);
        moved = Math.max(moved, Math.abs(value - (h.get(from) ?? 0)));
        h.set(from, value);
      }
      if (moved < 1e-15) break;
    }
    return h.get('#start') ?? 0;
  };
  const base = conversion();
  const partners = new Set(paths.flatMap((p) => p.partners));
  return Object.fromEntries(
    [...partners].map((p) => [p, base > 0 ? (base - conversion(`p:${p}`)) / base : 0]),
  );
}

describe('fitMarkov: published reference examples', () => {
  // Sergey Bryl, "Marketing Multi-Channel Attribution model with R (part 1: Markov chain concept)",
  // https://analyzecore.com/2016/08/03/attribution-model-r-part-1/ (computed there with the
  // ChannelAttribution R package); the same figures are the expected values of
  // github.com/JesseCastro/markovattribution test/test.js (commit 2cb0a33c). Published:
  // P(conversion) = 1/3, without C1 = 1/6; removal effects C1 0.5, C2 1, C3 1; conversions
  // attributed 0.2, 0.4, 0.4.
  const bryl = [path('C1>C2>C3', true), path('C1', false), path('C2>C3', false)];

  it('reproduces analyzecore / ChannelAttribution: removal effects 0.5, 1, 1 and shares 0.2, 0.4, 0.4', () => {
    const fit = fitMarkov(bryl, 1);
    expect(fit.conversion).toBeCloseTo(1 / 3, 15);
    expect(effects(fit)).toEqual({ C1: 0.5, C2: 1, C3: 1 });
    const total = fit.partners.reduce((sum, p) => sum + p.removalEffect, 0);
    expect(fit.partners.map((p) => p.removalEffect / total)).toEqual([0.2, 0.4, 0.4]);
    expect(fit.partners.map((p) => p.weight)).toEqual([500_000_000, 1_000_000_000, 1_000_000_000]);
  });

  // github.com/eeghor/mta, tests/test_probabilistic_models.py (commit a2a84157),
  // test_transition_matrix_contains_expected_probabilities: paths "a > b" (3 conversions, 1 null)
  // and "a > c" (1 conversion, 1 null); published transitions start→a 1, a→b 2/3, a→c 1/3,
  // b→conv 3/4, b→null 1/4, c→conv 1/2, c→null 1/2.
  const mta = [...repeat(3, path('a>b', true)), path('a>b', false), path('a>c', true), path('a>c', false)];

  it('reproduces the mta package transition probabilities', () => {
    const fit = fitMarkov(mta, 1);
    const probability = Object.fromEntries(fit.transitions.map((t) => [`${t.from}→${t.to}`, t.probability]));
    expect(probability).toEqual({
      'start→a': 1,
      'a→b': 2 / 3,
      'a→c': 1 / 3,
      'b→won': 3 / 4,
      'b→lost': 1 / 4,
      'c→won': 1 / 2,
      'c→lost': 1 / 2,
    });
    // P = 2/3 · 3/4 + 1/3 · 1/2 = 2/3; without b: 1/6, without c: 1/2.
    expect(fit.conversion).toBeCloseTo(2 / 3, 15);
    const re = effects(fit);
    expect(re.a).toBe(1);
    expect(re.b).toBeCloseTo(0.75, 15);
    expect(re.c).toBeCloseTo(0.25, 15);
  });

  // github.com/jmwoloso/pychattr README (a Python port of ChannelAttribution), first-order model,
  // paths "A>B>A>B>B>A", "A>B>B>A>A", "A>A", one conversion each, no nulls: published
  // total_conversions A 1.991106, B 1.008894 (a simulation with 10,000 draws). Exactly: removal
  // effects A 1 and B 1/2, so A gets 2 and B 1 of the 3 conversions.
  it('matches the pychattr / ChannelAttribution example within its simulation noise', () => {
    const fit = fitMarkov([path('A>B>A>B>B>A', true), path('A>B>B>A>A', true), path('A>A', true)], 1);
    const re = effects(fit);
    const [a, b] = [(3 * (re.A ?? 0)) / ((re.A ?? 0) + (re.B ?? 0)), (3 * (re.B ?? 0)) / ((re.A ?? 0) + (re.B ?? 0))];
    expect(a).toBeCloseTo(2, 12);
    expect(b).toBeCloseTo(1, 12);
    expect(Math.abs(a - 1.991106)).toBeLessThan(0.01);
    expect(Math.abs(b - 1.008894)).toBeLessThan(0.01);
  });
});

describe('fitMarkov', () => {
  it('counts won and lost deals, paths per partner, and skips empty paths', () => {
    const fit = fitMarkov([path('a>b>a', true), path('b', false), path('', true)], 7);
    expect(fit).toMatchObject({ model: 'markov', version: 7, wonDeals: 1, lostDeals: 1 });
    expect(fit.partners.map((p) => [p.partnerId, p.paths])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });

  it('treats repeated touchpoints by one partner as one visit: no self-loops, same removal effects', () => {
    const once = fitMarkov([path('a>b', true), path('b>a', false), path('a', true)], 1);
    const repeated = fitMarkov([path('a>a>a>b>b', true), path('b>a>a', false), path('a>a', true)], 1);
    expect(repeated).toEqual(once);
    expect(once.transitions.some((t) => t.from === t.to && t.fromState === 'partner')).toBe(false);
  });

  it('gives a single-partner path start → partner → won/lost', () => {
    const fit = fitMarkov([path('a', true), path('a', false), path('a', true)], 1);
    expect(fit.transitions.map((t) => [t.from, t.to, t.count])).toEqual([
      ['start', 'a', 3],
      ['a', 'won', 2],
      ['a', 'lost', 1],
    ]);
    expect(fit.partners[0]).toMatchObject({ partnerId: 'a', removalEffect: 1, weight: 1_000_000_000 });
  });

  it('gives every partner 0 when nothing is won', () => {
    const fit = fitMarkov([path('a>b', false), path('b', false)], 1);
    expect(fit.conversion).toBe(0);
    expect(fit.partners.map((p) => p.weight)).toEqual([0, 0]);
  });

  it('credits a partner for the wins it leads to, and a partner never on a lost deal with everything', () => {
    const fit = fitMarkov([path('a', true), path('b', false), path('b>a', true)], 1);
    // P = 1/3 (start→a) + 2/3 · 1/2 (start→b→a) = 2/3; without b only 1/3 is left.
    const re = effects(fit);
    expect(re.a).toBe(1);
    expect(re.b).toBeCloseTo(0.5, 15);
  });

  it('is empty for no paths', () => {
    expect(fitMarkov([], 1)).toEqual({
      model: 'markov',
      version: 1,
      wonDeals: 0,
      lostDeals: 0,
      conversion: 0,
      partners: [],
      transitions: [],
    });
  });

  it('lists transitions start first, then by partner id, with probabilities summing to 1 per state', () => {
    const fit = fitMarkov([path('b>a', true), path('a>c', false), path('c', true)], 1);
    expect(fit.transitions.map((t) => `${t.from}→${t.to}`)).toEqual([
      'start→a',
      'start→b',
      'start→c',
      'a→c',
      'a→won',
      'b→a',
      'c→won',
      'c→lost',
    ]);
  });
});

const partnerIds = ['a', 'b', 'c', 'd', 'e', 'é', 'A'];
const paths = fc.array(
  fc.record({ partners: fc.array(fc.constantFrom(...partnerIds), { minLength: 0, maxLength: 7 }), won: fc.boolean() }),
  { minLength: 1, maxLength: 25 },
);

describe('fitMarkov properties', () => {
  it('agrees with a brute-force value iteration per removed partner within 1e-9 (300 random data sets)', () => {
    fc.assert(
      fc.property(paths, (data) => {
        const fit = fitMarkov(data, 1);
        const expected = bruteForceRemovalEffects(data);
        for (const partner of fit.partners) {
          expect(Math.abs(partner.removalEffect - (expected[partner.partnerId] ?? NaN))).toBeLessThan(1e-9);
          expect(partner.removalEffect).toBeGreaterThanOrEqual(0);
          expect(partner.removalEffect).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('depends only on the multiset of paths: any order gives the same fit, byte for byte', () => {
    fc.assert(
      fc.property(
        paths.chain((data) => fc.shuffledSubarray(data, { minLength: data.length, maxLength: data.length }).map((s) => [data, s] as const)),
        ([data, shuffled]) => {
          expect(JSON.stringify(fitMarkov(shuffled, 1))).toBe(JSON.stringify(fitMarkov(data, 1)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is the same fitted from counts streamed in pages', () => {
    fc.assert(
      fc.property(paths, fc.integer({ min: 1, max: 5 }), (data, pageSize) => {
        const counts = emptyMarkovCounts();
        for (let i = 0; i < data.length; i += pageSize) for (const p of data.slice(i, i + pageSize)) countMarkovPath(counts, p);
        expect(fitMarkovCounts(counts, 3)).toEqual(fitMarkov(data, 3));
      }),
      { numRuns: 100 },
    );
  });

  it('packs for storage, and the packed table gives back every transition, byte for byte (a fit stored unpacked is packed when read)', () => {
    fc.assert(
      fc.property(paths, (data) => {
        const fit = fitMarkov(data, 4);
        const stored = readStoredMarkovFit(JSON.parse(JSON.stringify(packMarkovFit(fit))));
        const totals = packedRowTotals(stored);
        const transitions = Array.from({ length: stored.transitionTable.length / 3 }, (_, k) => packedTransition(stored, totals, k));
        const { transitions: _transitions, ...rest } = fit;
        expect(JSON.stringify({ ...rest, transitions })).toBe(JSON.stringify(fit));
        expect(readStoredMarkovFit(JSON.parse(JSON.stringify(fit)))).toEqual(packMarkovFit(fit));
      }),
      { numRuns: 300 },
    );
  });

  it('has outgoing probabilities that sum to 1 for every state', () => {
    fc.assert(
      fc.property(paths, (data) => {
        const sums = new Map<string, number>();
        for (const t of fitMarkov(data, 1).transitions) sums.set(t.from, (sums.get(t.from) ?? 0) + t.probability);
        for (const sum of sums.values()) expect(sum).toBeCloseTo(1, 12);
      }),
      { numRuns: 200 },
    );
  });
});

describe('solveAbsorbingChain', () => {
  it('matches a hand-inverted 2-state chain, including the fundamental matrix diagonal', () => {
    // a → b 0.5, a → won 0.5; b → a 0.5, b → lost 0.5. N = (I - Q)⁻¹ = [[4/3, 2/3], [2/3, 4/3]].
    const solution = solveAbsorbingChain({
      size: 2,
      transient: [new Float64Array([0, 0.5]), new Float64Array([0.5, 0])],
      toWon: new Float64Array([0.5, 0]),
      start: new Float64Array([1, 0]),
    });
    expect(solution.conversion).toBeCloseTo(2 / 3, 15);
    expect([...solution.winFrom].map((x) => +x.toFixed(12))).toEqual([0.666666666667, 0.333333333333]);
    expect([...solution.visits].map((x) => +x.toFixed(12))).toEqual([1.333333333333, 0.666666666667]);
    expect([...solution.selfVisits].map((x) => +x.toFixed(12))).toEqual([1.333333333333, 1.333333333333]);
  });

  it('matches a dense Gauss-Jordan inverse on random chains of 1-11 and 30-90 states (past the block sizes)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 1, max: 11 }), fc.integer({ min: 30, max: 90 })), fc.integer({ min: 1, max: 2 ** 31 - 1 }), (size, seed) => {
        let state = seed;
        const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
        const transient = Array.from({ length: size }, (_, i) => {
          const row = new Float64Array(size);
          for (let j = 0; j < size; j += 1) if (j !== i && random() < 0.6) row[j] = random() / size;
          return row;
        });
        const toWon = Float64Array.from({ length: size }, () => random() * 0.2);
        const start = Float64Array.from({ length: size }, (_, i) => (i === 0 ? 1 : 0));
        const solution = solveAbsorbingChain({ size, transient, toWon, start });
        const inverse = gaussJordanInverse(transient.map((row, i) => Array.from(row, (q, j) => (i === j ? 1 : 0) - q)));
        for (let i = 0; i < size; i += 1) {
          expect(solution.selfVisits[i]).toBeCloseTo(inverse[i]?.[i] ?? NaN, 12);
          expect(solution.visits[i]).toBeCloseTo(inverse[0]?.[i] ?? NaN, 12);
          const h = (inverse[i] ?? []).reduce((sum, n, j) => sum + n * (toWon[j] ?? 0), 0);
          expect(solution.winFrom[i]).toBeCloseTo(h, 12);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('solves in a workspace made and touched ahead the same bits as in its own, and ignores one of another size', () => {
    const size = 300;
    let state = 5;
    const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
    const transient = Array.from({ length: size }, (_, i) => Float64Array.from({ length: size }, (_, j) => (i !== j && random() < 0.2 ? random() / (size * 0.3) : 0)));
    // As the Markov fit gives it: a function writing only the non-zero cells, into rows it takes to be zero.
    const writeMatrix = (rows: Float64Array[]) =>
      rows.forEach((row, i) => (transient[i] as Float64Array).forEach((q, j) => (row[j] = i === j ? 1 : q === 0 ? (row[j] as number) : -q)));
    const chain = { size, toWon: Float64Array.from({ length: size }, () => random() * 0.3), start: Float64Array.from({ length: size }, () => 1 / size), writeMatrix };
    const alone = solveAbsorbingChain(chain);
    const ahead = chainWorkspace(size);
    expect(ahead).toBeDefined();
    ahead?.touchMatrixPages();
    const bytes = (solution: typeof alone) => [solution.winFrom, solution.visits, solution.selfVisits].map((values) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex'));
    expect(bytes(solveAbsorbingChain(chain, undefined, ahead))).toEqual(bytes(alone));
    // Its diagonal is the workspace's memory: the one made ahead holds this solve's.
    expect(ahead?.diagonal).toEqual(solveAbsorbingChain(chain).selfVisits);
    expect(bytes(solveAbsorbingChain(chain, undefined, chainWorkspace(size + 1)))).toEqual(bytes(alone));
  });
});

describe('dense LU past its tile size', () => {
  it('solves a 600-state chain to a residual under 1e-12, and its inverse diagonal matches column solves', () => {
    const n = 600;
    let state = 42;
    const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
    const rows = Array.from({ length: n }, (_, i) => {
      const row = new Float64Array(n);
      for (let k = 0; k < 40; k += 1) {
        const j = Math.floor(random() * n);
        if (j !== i) row[j] = (row[j] ?? 0) - 0.9 / 40;
      }
      row[i] = 1;
      return row;
    });
    const original = rows.map((row) => Float64Array.from(row));
    const b = Float64Array.from({ length: n }, () => random());
    factorLU(rows);
    const x = solveLU(rows, b);
    for (let i = 0; i < n; i += 1) {
      const ax = (original[i] as Float64Array).reduce((sum, a, j) => sum + a * (x[j] as number), 0);
      expect(Math.abs(ax - (b[i] as number))).toBeLessThan(1e-12);
    }
    const diagonal = inverseDiagonal(rows);
    for (const p of [0, 1, 31, 32, 299, 511, 512, 513, 599]) {
      const column = solveLU(rows, Float64Array.from({ length: n }, (_, i) => (i === p ? 1 : 0)));
      expect(diagonal[p]).toBeCloseTo(column[p] as number, 12);
    }
  });
});

function gaussJordanInverse(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col += 1) {
    let best = col;
    for (let r = col + 1; r < n; r += 1) if (Math.abs(a[r]?.[col] ?? 0) > Math.abs(a[best]?.[col] ?? 0)) best = r;
    [a[col], a[best]] = [a[best] as number[], a[col] as number[]];
    const pivotRow = a[col] as number[];
    const p = pivotRow[col] as number;
    for (let j = 0; j < 2 * n; j += 1) pivotRow[j] = (pivotRow[j] as number) / p;
    for (let r = 0; r < n; r += 1) {
      if (r === col) continue;
      const row = a[r] as number[];
      const f = row[col] as number;
      for (let j = 0; j < 2 * n; j += 1) row[j] = (row[j] as number) - f * (pivotRow[j] as number);
    }
  }
  return a.map((row) => row.slice(n));
}
