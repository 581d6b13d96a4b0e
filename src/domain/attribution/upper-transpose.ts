import type { SimdWorkspace } from './simd-workspace.js';

/**
 * U's transpose in a workspace's `upperT` (column k of the factors' upper triangle, rows 0..k), which
 * the inverse's diagonal reads (inverse-diagonal.ts), copied a unit of {@link UNIT_COLUMNS} columns at
 * a time. A helper thread of the factorisation copies units whose rows are final while it waits for
 * the next panel (dense-lu.ts, `helpFactorLU`); the solving thread copies the rest once the
 * factorisation is done. A unit is the same values whoever copies it, and copying it again is
 * harmless: the rows no longer change.
 */

/** Columns per unit: a panel of the factorisation, so that a unit's rows are final once its panel is published. */
export const UNIT_COLUMNS = 32;
// The workspace's counters past the factorisation's (dense-lu.ts uses 2–4, inverse-diagonal.ts 0–1):
// the next unit to claim, units copied, and whether a factorisation armed the copy.
const [NEXT_UNIT, UNITS_DONE, ARMED] = [5, 6, 7];
/** How long the solving thread waits for a helper's unit before it copies every unit itself. */
const HELPER_PATIENCE_MS = 2000;

/** A factorisation into `simd` starts: no unit is copied, and helpers may copy units as their rows become final. */
export function armUpperTranspose(simd: SimdWorkspace): void {
  [NEXT_UNIT, UNITS_DONE].forEach((counter) => Atomics.store(simd.counters, counter, 0));
  Atomics.store(simd.counters, ARMED, 1);
}

/**
 * A helper's step: copies the next unit if its columns are below `finalColumns` (their rows are
 * final). False when there is none to copy yet.
 */
export function copyFinalUpperUnit(simd: SimdWorkspace, finalColumns: number): boolean {
  const { counters } = simd;
  if (Atomics.load(counters, ARMED) !== 1) return false;
  const unit = Atomics.load(counters, NEXT_UNIT);
  const end = Math.min(simd.rows.length, (unit + 1) * UNIT_COLUMNS);
  if (unit * UNIT_COLUMNS >= simd.rows.length || end > finalColumns) return false;
  if (Atomics.compareExchange(counters, NEXT_UNIT, unit, unit + 1) !== unit) return true; // another thread took it: look again
  copyUnit(simd, unit);
  Atomics.add(counters, UNITS_DONE, 1);
  Atomics.notify(counters, UNITS_DONE);
  return true;
}

/**
 * The solving thread, after the factorisation: copies the units nobody claimed and waits for those
 * a helper is copying. Rows factored otherwise than by an armed factorisation are copied whole.
 */
export function completeUpperTranspose(simd: SimdWorkspace): void {
  const { counters } = simd;
  const units = Math.ceil(simd.rows.length / UNIT_COLUMNS);
  if (Atomics.exchange(counters, ARMED, 0) !== 1) {
    for (let unit = 0; unit < units; unit += 1) copyUnit(simd, unit);
    return;
  }
  for (let unit = Atomics.add(counters, NEXT_UNIT, 1); unit < units; unit = Atomics.add(counters, NEXT_UNIT, 1)) {
    copyUnit(simd, unit);
    Atomics.add(counters, UNITS_DONE, 1);
  }
  for (let done = Atomics.load(counters, UNITS_DONE); done < units; done = Atomics.load(counters, UNITS_DONE)) {
    if (Atomics.wait(counters, UNITS_DONE, done, HELPER_PATIENCE_MS) !== 'timed-out' || Atomics.load(counters, UNITS_DONE) !== done) continue;
    // The helper finished no unit for that long (its thread may have stopped): every unit again, here.
    for (let unit = 0; unit < units; unit += 1) copyUnit(simd, unit);
    return;
  }
}

function copyUnit(simd: SimdWorkspace, unit: number): void {
  const { rows, upperT } = simd;
  const end = Math.min(rows.length, (unit + 1) * UNIT_COLUMNS);
  for (let k = unit * UNIT_COLUMNS; k < end; k += 1) {
    const column = upperT[k] as Float64Array;
    for (let j = 0; j <= k; j += 1) column[j] = (rows[j] as Float64Array)[k] as number;
  }
}

/** Units copied since the factorisation armed the copy (a helper's, before the solving thread completes it). */
export function copiedUpperUnits(simd: SimdWorkspace): number {
  return Atomics.load(simd.counters, UNITS_DONE);
}
