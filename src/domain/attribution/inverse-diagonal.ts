import type { SimdLane, SimdWorkspace } from './simd-workspace.js';
import { completeUpperTranspose } from './upper-transpose.js';

// The inverse's diagonal is built for a block of columns per pass, so each pass over the O(n²)
// factors does 8 times the arithmetic of a plain loop (the plain loop is memory-bound).
const COLUMNS = 8;
/** The inverse diagonal's column block width, for sizing a {@link SimdWorkspace}. */
export const DIAGONAL_BLOCK_COLUMNS = COLUMNS;

/**
 * The diagonal of `(L U)⁻¹`: entry p is (row p of U⁻¹) · (column p of L⁻¹),
 * both zero before p. Built {@link COLUMNS} columns per pass; with `simd` (whose `rows` these
 * are) the inner sums run as WebAssembly SIMD, with the same bits, and `share`, when given, is
 * called with the workspace once its blocks can be claimed: a helper thread that then runs
 * {@link helpInverseDiagonal} on it takes blocks too (each block is the same operations
 * whichever thread computes it, so the bits never depend on the sharing).
 *
 * @example
 * inverseDiagonal(factored); // Float64Array of N_pp
 */
export function inverseDiagonal(rows: readonly Float64Array[], simd?: SimdWorkspace, share?: (simd: SimdWorkspace) => void): Float64Array {
  return simd?.owns(rows) ? inverseDiagonalSimd(rows, simd, share) : inverseDiagonalScalar(rows);
}

function inverseDiagonalScalar(rows: readonly Float64Array[]): Float64Array {
  const n = rows.length;
  const diagonal = new Float64Array(n);
  // U's columns as rows (only the part on and above the diagonal), so both passes read memory in order.
  const upperT = rows.map((_, k) => {
    const column = new Float64Array(k + 1);
    for (let j = 0; j <= k; j += 1) column[j] = (rows[j] as Float64Array)[k] as number;
    return column;
  });
  const y = new Float64Array(n * COLUMNS);
  const z = new Float64Array(n * COLUMNS);
  const sums = new Float64Array(COLUMNS);
  for (let p0 = 0; p0 < n; p0 += COLUMNS) {
    const width = Math.min(COLUMNS, n - p0);
    // z_t = L⁻¹ e_{p0+t}: z_t[k] = δ - Σ_{j<k} L[k][j] z_t[j]; y_t = e_{p0+t}ᵀ U⁻¹ likewise over U's columns, divided by U[k][k].
    for (let k = p0; k < n; k += 1) {
      accumulate(rows[k] as Float64Array, z, p0, k, sums);
      for (let t = 0; t < COLUMNS; t += 1) z[k * COLUMNS + t] = (k - p0 === t ? 1 : 0) - (sums[t] as number);
      const column = upperT[k] as Float64Array;
      accumulate(column, y, p0, k, sums);
      const d = column[k] as number;
      for (let t = 0; t < COLUMNS; t += 1) y[k * COLUMNS + t] = ((k - p0 === t ? 1 : 0) - (sums[t] as number)) / d;
    }
    for (let t = 0; t < width; t += 1) {
      let sum = 0;
      for (let k = p0 + t; k < n; k += 1) sum += (y[k * COLUMNS + t] as number) * (z[k * COLUMNS + t] as number);
      diagonal[p0 + t] = sum;
    }
  }
  return diagonal;
}

// blockStates: a block is done once its entries are in the diagonal. counters: the next block to claim, blocks done.
const DONE = 1;
const [NEXT_BLOCK, BLOCKS_DONE] = [0, 1];
/** How long the solving thread waits for a helper that finishes no block before it computes the helper's blocks itself. */
const HELPER_PATIENCE_MS = 2000;

/**
 * {@link inverseDiagonalScalar} with the sums in the SIMD kernel, the blocks claimed one at a time
 * from a counter in the shared memory, so a helper thread can take some.
 */
function inverseDiagonalSimd(rows: readonly Float64Array[], simd: SimdWorkspace, share?: (simd: SimdWorkspace) => void): Float64Array {
  const n = rows.length;
  const blocks = Math.ceil(n / COLUMNS);
  completeUpperTranspose(simd);
  const { counters, blockStates } = simd;
  // A workspace's diagonal may be built again (after factoring other rows into it): nothing claimed yet.
  blockStates.fill(0);
  [NEXT_BLOCK, BLOCKS_DONE].forEach((counter) => Atomics.store(counters, counter, 0));
  share?.(simd);
  computeClaimedBlocks(simd, 0);
  for (let done = Atomics.load(counters, BLOCKS_DONE); done < blocks; done = Atomics.load(counters, BLOCKS_DONE)) {
    if (Atomics.wait(counters, BLOCKS_DONE, done, HELPER_PATIENCE_MS) !== 'timed-out' || Atomics.load(counters, BLOCKS_DONE) !== done) continue;
    // The helper finished nothing for that long (its thread may have ended): its blocks again, here, to the same bits.
    for (let b = 0; b < blocks; b += 1) if (Atomics.load(blockStates, b) !== DONE) computeBlock(simd, simd.lanes[0] as SimdLane, b * COLUMNS);
    break;
  }
  return Float64Array.from(simd.diagonal);
}

/**
 * A helper thread's part of {@link inverseDiagonal}: computes blocks of the diagonal on a
 * workspace another thread shared (`SimdWorkspace.attach`) until none is left to claim.
 * Returns how many blocks it computed.
 *
 * @example
 * helpInverseDiagonal(SimdWorkspace.attach(shared));
 */
export function helpInverseDiagonal(simd: SimdWorkspace): number {
  return computeClaimedBlocks(simd, 1);
}

function computeClaimedBlocks(simd: SimdWorkspace, lane: number): number {
  const blocks = Math.ceil(simd.rows.length / COLUMNS);
  let computed = 0;
  for (let b = Atomics.add(simd.counters, NEXT_BLOCK, 1); b < blocks; b = Atomics.add(simd.counters, NEXT_BLOCK, 1)) {
    computeBlock(simd, simd.lanes[lane] as SimdLane, b * COLUMNS);
    Atomics.store(simd.blockStates, b, DONE);
    Atomics.add(simd.counters, BLOCKS_DONE, 1);
    Atomics.notify(simd.counters, BLOCKS_DONE);
    computed += 1;
  }
  return computed;
}

/**
 * The diagonal's entries [p0, p0 + 8), in one lane's blocks: the kernel sums rows k and k + 1
 * over j < k, and row k + 1 then adds its j = k term last, as the scalar loop would, so every
 * value is the same operations in the same order.
 */
function computeBlock(simd: SimdWorkspace, lane: SimdLane, p0: number): void {
  const { rows, upperT, diagonal } = simd;
  const { yBlock: y, zBlock: z, sums } = lane;
  const n = rows.length;
  const width = Math.min(COLUMNS, n - p0);
  for (let k = p0; k < n; k += 2) {
    const pair = k + 1 < n;
    lane.accumulateRows(k, p0);
    const l = pair ? ((rows[k + 1] as Float64Array)[k] as number) : 0;
    for (let t = 0; t < COLUMNS; t += 1) {
      const zk = (k - p0 === t ? 1 : 0) - (sums[t] as number);
      z[k * COLUMNS + t] = zk;
      if (pair) z[(k + 1) * COLUMNS + t] = (k + 1 - p0 === t ? 1 : 0) - ((sums[COLUMNS + t] as number) + l * zk);
    }
    lane.accumulateUpperColumns(k, p0);
    const column = upperT[k] as Float64Array;
    const next = upperT[pair ? k + 1 : k] as Float64Array;
    const [d, u, dNext] = [column[k] as number, next[k] as number, next[pair ? k + 1 : k] as number];
    for (let t = 0; t < COLUMNS; t += 1) {
      const yk = ((k - p0 === t ? 1 : 0) - (sums[t] as number)) / d;
      y[k * COLUMNS + t] = yk;
      if (pair) y[(k + 1) * COLUMNS + t] = ((k + 1 - p0 === t ? 1 : 0) - ((sums[COLUMNS + t] as number) + u * yk)) / dNext;
    }
  }
  for (let t = 0; t < width; t += 1) {
    let sum = 0;
    for (let k = p0 + t; k < n; k += 1) sum += (y[k * COLUMNS + t] as number) * (z[k * COLUMNS + t] as number);
    diagonal[p0 + t] = sum;
  }
}

/** sums[t] = Σ_{j in [p0, k)} row[j] · block[j][t], for the block's 8 columns (kept in locals: V8 keeps them in registers). */
function accumulate(row: Float64Array, block: Float64Array, p0: number, k: number, sums: Float64Array): void {
  let [s0, s1, s2, s3, s4, s5, s6, s7] = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let j = p0; j < k; j += 1) {
    const a = row[j] as number;
    const b = j * COLUMNS;
    s0 += a * (block[b] as number);
    s1 += a * (block[b + 1] as number);
    s2 += a * (block[b + 2] as number);
    s3 += a * (block[b + 3] as number);
    s4 += a * (block[b + 4] as number);
    s5 += a * (block[b + 5] as number);
    s6 += a * (block[b + 6] as number);
    s7 += a * (block[b + 7] as number);
  }
  sums[0] = s0;
  sums[1] = s1;
  sums[2] = s2;
  sums[3] = s3;
  sums[4] = s4;
  sums[5] = s5;
  sums[6] = s6;
  sums[7] = s7;
}
