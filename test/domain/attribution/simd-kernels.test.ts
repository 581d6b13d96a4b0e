import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { factorLU, solveLU } from '../../../src/domain/attribution/dense-lu.js';
import { DIAGONAL_BLOCK_COLUMNS, helpInverseDiagonal, inverseDiagonal } from '../../../src/domain/attribution/inverse-diagonal.js';
import { SimdWorkspace } from '../../../src/domain/attribution/simd-workspace.js';

/**
 * `I - Q` for a random sub-stochastic Q without self-loops: the matrices the Markov fit factors.
 * Sizes cross the panel (32), pair and tile (512) boundaries and odd widths, where the SIMD
 * kernels hand the last column to the scalar loop.
 */
const chains = fc
  .record({
    size: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 80 }), weight: 9 }, { arbitrary: fc.constantFrom(511, 512, 515, 545), weight: 1 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 2 }),
    density: fc.double({ min: 0.01, max: 1, noNaN: true }),
    leak: fc.double({ min: 0.001, max: 0.999, noNaN: true }),
  })
  .map(({ size, seed, density, leak }) => {
    let state = seed;
    const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
    return Array.from({ length: size }, (_, i) => {
      const row = new Float64Array(size);
      let total = 0;
      for (let j = 0; j < size; j += 1) {
        if (j === i || random() >= density) continue;
        row[j] = random();
        total += row[j] as number;
      }
      // Each row keeps at least `leak` of its mass for won/lost, so every state is transient.
      for (let j = 0; j < size; j += 1) row[j] = total > 0 ? -((row[j] as number) / total) * (1 - leak) : 0;
      row[i] = 1;
      return row;
    });
  });

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

describe('the SIMD kernels of the dense solve', () => {
  it('factor and invert to exactly the bits of the scalar loops (so a fit never depends on which ran)', () => {
    fc.assert(
      fc.property(chains, (matrix) => {
        const scalar = matrix.map((row) => Float64Array.from(row));
        const simd = SimdWorkspace.create(matrix.length, DIAGONAL_BLOCK_COLUMNS);
        expect(simd).toBeDefined();
        const workspace = simd as SimdWorkspace;
        matrix.forEach((row, i) => (workspace.rows[i] as Float64Array).set(row));
        factorLU(scalar);
        factorLU(workspace.rows, workspace);
        scalar.forEach((row, i) => expect(sameBits(row, workspace.rows[i] as Float64Array)).toBe(true));
        expect(sameBits(inverseDiagonal(workspace.rows, workspace), inverseDiagonal(scalar))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('give the fundamental matrix diagonal that column-by-column solves give', () => {
    fc.assert(
      fc.property(chains.filter((m) => m.length <= 80), (matrix) => {
        const workspace = SimdWorkspace.create(matrix.length, DIAGONAL_BLOCK_COLUMNS) as SimdWorkspace;
        matrix.forEach((row, i) => (workspace.rows[i] as Float64Array).set(row));
        factorLU(workspace.rows, workspace);
        const diagonal = inverseDiagonal(workspace.rows, workspace);
        for (let p = 0; p < matrix.length; p += 1) {
          const column = solveLU(workspace.rows, Float64Array.from({ length: matrix.length }, (_, i) => (i === p ? 1 : 0)));
          expect(Math.abs((diagonal[p] as number) - (column[p] as number))).toBeLessThan(1e-9 * (column[p] as number));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('give the same bits when a helper computes blocks of the diagonal on the shared memory, or takes a block and never finishes it', () => {
    const factored = (matrix: Float64Array[]) => {
      const workspace = SimdWorkspace.create(matrix.length, DIAGONAL_BLOCK_COLUMNS) as SimdWorkspace;
      matrix.forEach((row, i) => (workspace.rows[i] as Float64Array).set(row));
      factorLU(workspace.rows, workspace);
      return workspace;
    };
    fc.assert(
      fc.property(chains, (matrix) => {
        const alone = factored(matrix);
        const expected = inverseDiagonal(alone.rows, alone);
        // The helper (lane 1, on its own view of the memory) claims every block before the solving thread does.
        const shared = factored(matrix);
        let helped = false;
        const diagonal = inverseDiagonal(shared.rows, shared, (workspace) => {
          helpInverseDiagonal(SimdWorkspace.attach(workspace.share()) as SimdWorkspace);
          helped = true;
        });
        expect(helped).toBe(true);
        expect(sameBits(diagonal, expected)).toBe(true);
      }),
      { numRuns: 30 },
    );
    // A helper that claimed the first block and stopped: after its patience the solving thread computes it.
    const matrix = fc.sample(chains.filter((m) => m.length > 8), { numRuns: 1, seed: 3 })[0] as Float64Array[];
    const alone = factored(matrix);
    const stalled = factored(matrix);
    const diagonal = inverseDiagonal(stalled.rows, stalled, (workspace) => void Atomics.add(workspace.counters, 0, 1));
    expect(sameBits(diagonal, inverseDiagonal(alone.rows, alone))).toBe(true);
  });
});
