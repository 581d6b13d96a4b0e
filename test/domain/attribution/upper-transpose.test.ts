import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { factorLU } from '../../../src/domain/attribution/dense-lu.js';
import { DIAGONAL_BLOCK_COLUMNS } from '../../../src/domain/attribution/inverse-diagonal.js';
import { SimdWorkspace } from '../../../src/domain/attribution/simd-workspace.js';
import { completeUpperTranspose, copiedUpperUnits, copyFinalUpperUnit, UNIT_COLUMNS } from '../../../src/domain/attribution/upper-transpose.js';

/** A factored `I - Q` (random, diagonally dominant) in a fresh workspace, by an armed factorisation. */
function factored(size: number, seed: number): SimdWorkspace {
  let state = seed;
  const random = () => ((state = (state * 48271) % 2147483647), state / 2147483647);
  const simd = SimdWorkspace.create(size, DIAGONAL_BLOCK_COLUMNS) as SimdWorkspace;
  simd.rows.forEach((row, i) => row.forEach((_, j) => (row[j] = i === j ? 1 : random() < 0.3 ? -random() / size : 0)));
  factorLU(simd.rows, simd);
  return simd;
}

/** Whether `upperT` holds U's columns exactly: column k is rows 0..k of column k. */
const holdsTranspose = (simd: SimdWorkspace) =>
  simd.upperT.every((column, k) => column.every((value, j) => Object.is(value, (simd.rows[j] as Float64Array)[k])));

describe("U's transpose for the inverse's diagonal", () => {
  it('is exact however many units a helper copied first, and a helper never copies a unit whose rows are not final', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 2 ** 31 - 2 }), fc.array(fc.nat(200), { maxLength: 12 }), (size, seed, finals) => {
        const simd = factored(size, seed);
        let copied = 0;
        for (const finalColumns of finals) {
          const before = copiedUpperUnits(simd);
          const took = copyFinalUpperUnit(simd, finalColumns);
          // The unit taken is the next one, and only if all its columns are below finalColumns.
          const end = Math.min(size, (before + 1) * UNIT_COLUMNS);
          expect(took).toBe(before * UNIT_COLUMNS < size && end <= finalColumns);
          if (took) copied += 1;
        }
        expect(copiedUpperUnits(simd)).toBe(copied);
        completeUpperTranspose(simd);
        expect(holdsTranspose(simd)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('is copied whole for rows that no armed factorisation wrote (the workspace used again)', () => {
    const simd = factored(70, 11);
    completeUpperTranspose(simd);
    // Other rows factored into the same memory without the workspace: nothing armed the copy.
    const other = factored(70, 12);
    simd.rows.forEach((row, i) => row.set(other.rows[i] as Float64Array));
    expect(copyFinalUpperUnit(simd, 70)).toBe(false);
    completeUpperTranspose(simd);
    expect(holdsTranspose(simd)).toBe(true);
  });

  it('is copied whole by the solving thread when a helper claimed a unit and never finished it', () => {
    const simd = factored(100, 13);
    // Counter 5 is the next unit to claim: a helper that took unit 0 and stopped.
    Atomics.add(simd.counters, 5, 1);
    const started = performance.now();
    completeUpperTranspose(simd);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    expect(holdsTranspose(simd)).toBe(true);
  });
});
