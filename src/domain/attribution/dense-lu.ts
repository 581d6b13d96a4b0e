import { DomainError } from '../errors.js';
import type { SimdWorkspace } from './simd-workspace.js';
import { armUpperTranspose, copyFinalUpperUnit } from './upper-transpose.js';

// Block sizes: a panel of pivots is applied to cache-sized tiles of each row at once, so each
// pass over the O(n²) factors does several times the arithmetic of a plain loop (the plain
// loops are memory-bound). The inverse's diagonal, from these factors, is in inverse-diagonal.ts.
const PANEL = 32;
const TILE = 512;

/**
 * LU factorisation without pivoting, in place: L (unit diagonal) below the
 * diagonal, U on and above. Only for matrices that need no pivoting, such as
 * the row-diagonally-dominant M-matrices `I - Q` of absorbing chains: every
 * pivot must be positive, else `DomainError('invalid_weights')`.
 * The elimination order is fixed, so the result is the same bits every time. With `simd` (whose
 * `rows` these are) the tile updates run as WebAssembly SIMD, with the same bits.
 *
 * @example
 * const rows = [Float64Array.of(2, 1), Float64Array.of(1, 2)];
 * factorLU(rows); // rows → [[2, 1], [0.5, 1.5]]
 */
export function factorLU(rows: Float64Array[], simd?: SimdWorkspace, share?: (simd: SimdWorkspace) => void): void {
  const kernels = simd?.owns(rows) ? simd : undefined;
  const n = rows.length;
  if (kernels) armUpperTranspose(kernels);
  if (kernels && share) {
    [CLAIM, CHUNKS_DONE, LU_FINISHED].forEach((counter) => Atomics.store(kernels.counters, counter, 0));
    share(kernels);
  }
  for (let k0 = 0; k0 < n; k0 += PANEL) {
    const k1 = Math.min(n, k0 + PANEL);
    factorPanel(rows, k0, k1);
    for (let i = k0 + 1; i < k1; i += 1) {
      const r = rows[i] as Float64Array;
      for (let k = k0; k < i; k += 1) subtractRow(r, r[k] as number, rows[k] as Float64Array, k1, n);
    }
    if (kernels && share) updateTrailingShared(kernels, k0 / PANEL);
    else updateRows(rows, k0, k1, k1, n, kernels);
  }
  if (kernels && share) {
    Atomics.store(kernels.counters, LU_FINISHED, 1);
    Atomics.notify(kernels.counters, CLAIM);
  }
}

/** Rows [from, to) take the updates of pivots [k0, k1) on every column past k1, a tile of columns at a time. */
function updateRows(rows: Float64Array[], k0: number, k1: number, from: number, to: number, simd?: SimdWorkspace): void {
  for (let j0 = k1; j0 < rows.length; j0 += TILE) updateRowsOfTile(rows, k0, k1, from, to, j0, simd);
}

/** Rows [from, to), two at a time, take the updates of pivots [k0, k1) on the tile of columns from j0. */
function updateRowsOfTile(rows: Float64Array[], k0: number, k1: number, from: number, to: number, j0: number, simd?: SimdWorkspace): void {
  const j1 = Math.min(rows.length, j0 + TILE);
  let i = from;
  for (; i + 2 <= to; i += 2) updateTilePair(rows, i, k0, k1, j0, j1, simd);
  if (i < to) updateTile(rows, i, k0, k1, j0, j1, simd);
}

// Sharing the trailing update with a helper thread: a chunk is a tile of columns of CHUNK_ROWS rows
// (even, so rows pair up as in updateRows), tile by tile so both threads read the same pivot tile,
// claimed from one counter word, (panel + 1) · 2¹⁶ + chunk. A row's tile is updated by the same
// operations whichever thread takes its chunk: the same bits.
const [CHUNK_ROWS, CHUNK_LIMIT] = [64, 65_536];
const [CLAIM, CHUNKS_DONE, LU_FINISHED] = [2, 3, 4];
/** How long the solving thread waits for a helper that finishes no chunk before it gives the solve up (see `HelperStalledError`). */
const HELPER_PATIENCE_MS = 2000;

/** A helper thread took part of a factorisation and stopped: the rows it held are half-updated, the factorisation is void. */
export class HelperStalledError extends Error {}

const rowChunksBelow = (n: number, panel: number) => Math.ceil((n - Math.min(n, (panel + 1) * PANEL)) / CHUNK_ROWS);
const chunksBelow = (n: number, panel: number) => rowChunksBelow(n, panel) * Math.ceil((n - Math.min(n, (panel + 1) * PANEL)) / TILE);

function updateTrailingShared(simd: SimdWorkspace, panel: number): void {
  const { counters, rows } = simd;
  const chunks = chunksBelow(rows.length, panel);
  Atomics.store(counters, CHUNKS_DONE, 0);
  Atomics.store(counters, CLAIM, (panel + 1) * CHUNK_LIMIT);
  Atomics.notify(counters, CLAIM);
  for (let claimed = true; claimed; ) claimed = claimAndUpdateChunk(simd); // until no chunk of the panel is left
  for (let done = Atomics.load(counters, CHUNKS_DONE); done < chunks; done = Atomics.load(counters, CHUNKS_DONE)) {
    if (Atomics.wait(counters, CHUNKS_DONE, done, HELPER_PATIENCE_MS) === 'timed-out' && Atomics.load(counters, CHUNKS_DONE) === done) {
      Atomics.store(counters, LU_FINISHED, 1); // a helper still running stops waiting for panels
      throw new HelperStalledError(`LU: a helper holds rows of panel ${panel} and finished nothing for ${HELPER_PATIENCE_MS} ms`);
    }
  }
}

/** Claims the next chunk of the current panel and updates it; false when there is none to claim. */
function claimAndUpdateChunk(simd: SimdWorkspace): boolean {
  const { counters, rows } = simd;
  const n = rows.length;
  for (;;) {
    const word = Atomics.load(counters, CLAIM);
    const [panel, chunk] = [Math.floor(word / CHUNK_LIMIT) - 1, word % CHUNK_LIMIT];
    if (panel < 0 || chunk >= chunksBelow(n, panel)) return false;
    if (Atomics.compareExchange(counters, CLAIM, word, word + 1) !== word) continue;
    const [k0, k1] = [panel * PANEL, Math.min(n, (panel + 1) * PANEL)];
    const rowChunks = rowChunksBelow(n, panel);
    const from = k1 + (chunk % rowChunks) * CHUNK_ROWS;
    updateRowsOfTile(rows, k0, k1, from, Math.min(n, from + CHUNK_ROWS), k1 + Math.floor(chunk / rowChunks) * TILE, simd);
    Atomics.add(counters, CHUNKS_DONE, 1);
    Atomics.notify(counters, CHUNKS_DONE);
    return true;
  }
}

/**
 * A helper thread's part of {@link factorLU} on a workspace another thread shared: takes chunks of
 * each panel's trailing update as they are published, until the factorisation is finished. While
 * the solving thread factors the next panel, it copies columns of U whose rows are final into
 * `upperT` (upper-transpose.ts), which the inverse's diagonal then need not wait for.
 * Returns how many chunks it took.
 *
 * @example
 * helpFactorLU(SimdWorkspace.attach(shared));
 */
export function helpFactorLU(simd: SimdWorkspace): number {
  const { counters } = simd;
  let taken = 0;
  while (Atomics.load(counters, LU_FINISHED) === 0) {
    const word = Atomics.load(counters, CLAIM);
    // Panel p's chunks are published once its rows are factored: U's rows before (p + 1) · PANEL are final.
    const finalColumns = Math.min(simd.rows.length, Math.floor(word / CHUNK_LIMIT) * PANEL);
    if (claimAndUpdateChunk(simd)) taken += 1;
    else if (!copyFinalUpperUnit(simd, finalColumns)) Atomics.wait(counters, CLAIM, word, 50);
  }
  return taken;
}

/** Eliminates the panel's columns [k0, k1) in every row below k0 (columns past k1 wait for the tiles). */
function factorPanel(rows: Float64Array[], k0: number, k1: number): void {
  const n = rows.length;
  for (let k = k0; k < k1; k += 1) {
    const pivotRow = rows[k] as Float64Array;
    const d = pivotRow[k] as number;
    if (!(d > 0) || !Number.isFinite(d)) {
      throw new DomainError('invalid_weights', `LU: pivot ${k} is ${d}; some state never reaches won or lost`);
    }
    for (let i = k + 1; i < n; i += 1) {
      const r = rows[i] as Float64Array;
      const m = (r[k] as number) / d;
      r[k] = m;
      subtractRow(r, m, pivotRow, k + 1, k1);
    }
  }
}

/** r[from, to) -= m · pivotRow[from, to). */
function subtractRow(r: Float64Array, m: number, pivotRow: Float64Array, from: number, to: number): void {
  if (m === 0) return;
  for (let j = from; j < to; j += 1) r[j] = (r[j] as number) - m * (pivotRow[j] as number);
}

type FourRows = [Float64Array, Float64Array, Float64Array, Float64Array];

/** Two rows' tiles at once, so each pivot row's value is loaded once for both. */
function updateTilePair(rows: Float64Array[], i: number, k0: number, k1: number, j0: number, j1: number, simd?: SimdWorkspace): void {
  const r = rows[i] as Float64Array;
  const q = rows[i + 1] as Float64Array;
  let k = k0;
  for (; k + 4 <= k1; k += 4) {
    // The SIMD kernel takes the even part of the tile; the loop below does the rest, same formula.
    const from = simd ? simd.updatePair(i, k, j0, j1) : j0;
    const [m0, m1, m2, m3] = [r[k] as number, r[k + 1] as number, r[k + 2] as number, r[k + 3] as number];
    const [n0, n1, n2, n3] = [q[k] as number, q[k + 1] as number, q[k + 2] as number, q[k + 3] as number];
    const [u0, u1, u2, u3] = [rows[k], rows[k + 1], rows[k + 2], rows[k + 3]] as FourRows;
    for (let j = from; j < j1; j += 1) {
      const a = u0[j] as number;
      const b = u1[j] as number;
      const c = u2[j] as number;
      const d = u3[j] as number;
      r[j] = (r[j] as number) - (m0 * a + m1 * b + m2 * c + m3 * d);
      q[j] = (q[j] as number) - (n0 * a + n1 * b + n2 * c + n3 * d);
    }
  }
  for (; k < k1; k += 1) {
    subtractRow(r, r[k] as number, rows[k] as Float64Array, j0, j1);
    subtractRow(q, q[k] as number, rows[k] as Float64Array, j0, j1);
  }
}

/** One row's tile [j0, j1) takes the updates of pivots [k0, k1), four at a time. */
function updateTile(rows: Float64Array[], i: number, k0: number, k1: number, j0: number, j1: number, simd?: SimdWorkspace): void {
  const r = rows[i] as Float64Array;
  let k = k0;
  for (; k + 4 <= k1; k += 4) {
    const [m0, m1, m2, m3] = [r[k] as number, r[k + 1] as number, r[k + 2] as number, r[k + 3] as number];
    if (m0 === 0 && m1 === 0 && m2 === 0 && m3 === 0) continue;
    const from = simd ? simd.updateRow(i, k, j0, j1) : j0;
    const [u0, u1, u2, u3] = [rows[k], rows[k + 1], rows[k + 2], rows[k + 3]] as FourRows;
    for (let j = from; j < j1; j += 1) {
      const update =
        m0 * (u0[j] as number) + m1 * (u1[j] as number) + m2 * (u2[j] as number) + m3 * (u3[j] as number);
      r[j] = (r[j] as number) - update;
    }
  }
  for (; k < k1; k += 1) subtractRow(r, r[k] as number, rows[k] as Float64Array, j0, j1);
}

/**
 * Solves `L U x = b` with factors from {@link factorLU}.
 *
 * @example
 * solveLU(factored, Float64Array.of(3, 3)); // x with A x = b
 */
export function solveLU(rows: readonly Float64Array[], b: Float64Array): Float64Array {
  const n = rows.length;
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i += 1) {
    const r = rows[i] as Float64Array;
    let sum = x[i] as number;
    for (let j = 0; j < i; j += 1) sum -= (r[j] as number) * (x[j] as number);
    x[i] = sum;
  }
  for (let i = n - 1; i >= 0; i -= 1) {
    const r = rows[i] as Float64Array;
    let sum = x[i] as number;
    for (let j = i + 1; j < n; j += 1) sum -= (r[j] as number) * (x[j] as number);
    x[i] = sum / (r[i] as number);
  }
  return x;
}

/**
 * Solves `(L U)ᵀ x = b`, reading each row of the factors once.
 *
 * @example
 * solveTransposedLU(factored, start); // the expected visits from the start distribution
 */
export function solveTransposedLU(rows: readonly Float64Array[], b: Float64Array): Float64Array {
  const n = rows.length;
  const x = Float64Array.from(b);
  for (let j = 0; j < n; j += 1) {
    const r = rows[j] as Float64Array;
    const xj = (x[j] as number) / (r[j] as number);
    x[j] = xj;
    if (xj !== 0) for (let k = j + 1; k < n; k += 1) x[k] = (x[k] as number) - (r[k] as number) * xj;
  }
  for (let j = n - 1; j >= 0; j -= 1) {
    const r = rows[j] as Float64Array;
    const xj = x[j] as number;
    if (xj !== 0) for (let k = 0; k < j; k += 1) x[k] = (x[k] as number) - (r[k] as number) * xj;
  }
  return x;
}
