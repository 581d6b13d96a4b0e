import { DomainError } from '../errors.js';

/**
 * An absorbing Markov chain over `size` transient states with two absorbing
 * states, won and lost (lost takes whatever the rows leave over).
 */
export interface AbsorbingChain {
  size: number;
  /** Row i: probability of stepping from transient state i to each transient state; no self-loops. */
  transient: Float64Array[];
  /** Probability of stepping from each transient state straight to won. */
  toWon: Float64Array;
  /** Probability that the chain's first transient state is each state. */
  start: Float64Array;
}

/** What a single factorisation of `I - Q` answers for every state at once. */
export interface ChainSolution {
  /** P(won), starting from the start distribution. */
  conversion: number;
  /** P(won | in state i): the absorption probabilities `h = (I - Q)⁻¹ b`. */
  winFrom: Float64Array;
  /** Expected visits to state i from the start: `ν = πᵀ (I - Q)⁻¹`. */
  visits: Float64Array;
  /** Expected visits to state i starting in i: the fundamental matrix's diagonal `N_ii ≥ 1`. */
  selfVisits: Float64Array;
}

/**
 * Solves an absorbing chain exactly (a direct LU factorisation of `I - Q`, no
 * iteration and no simulation), once, for everything the removal effects need.
 *
 * `I - Q` is a row-diagonally-dominant M-matrix (each row's off-diagonal
 * probabilities sum to at most 1, the diagonal is 1), so Gaussian elimination
 * needs no pivoting: every pivot stays positive and the elimination order is
 * fixed, which keeps the result bit-for-bit reproducible.
 *
 * The diagonal of `N = (I - Q)⁻¹` costs one more pass over the factors:
 * `N_pp = (row p of U⁻¹) · (column p of L⁻¹)`, four states at a time.
 *
 * @example
 * // start → a (a wins half the time):
 * solveAbsorbingChain({ size: 1, transient: [new Float64Array([0])],
 *   toWon: new Float64Array([0.5]), start: new Float64Array([1]) }).conversion; // 0.5
 */
export function solveAbsorbingChain(chain: AbsorbingChain): ChainSolution {
  const { size } = chain;
  const rows = chain.transient.map((row, i) => {
    const a = new Float64Array(size);
    for (let j = 0; j < size; j += 1) a[j] = -(row[j] ?? 0);
    a[i] = 1;
    return a;
  });
  factorInPlace(rows);
  const winFrom = solveLU(rows, chain.toWon);
  const visits = solveTransposedLU(rows, chain.start);
  let conversion = 0;
  for (let i = 0; i < size; i += 1) conversion += (chain.start[i] ?? 0) * (winFrom[i] ?? 0);
  return { conversion, winFrom, visits, selfVisits: inverseDiagonal(rows) };
}

/**
 * LU without pivoting, in place: L (unit diagonal) below, U on and above.
 * Rows below a block of four pivot rows are updated once per block (a rank-4
 * update), which reads each pivot row once for four eliminations.
 */
function factorInPlace(rows: Float64Array[]): void {
  const n = rows.length;
  for (let k0 = 0; k0 < n; k0 += 4) {
    const k1 = Math.min(n, k0 + 4);
    for (let k = k0; k < k1; k += 1) eliminateBelow(rows, k, k + 1, k1, n);
    if (k1 - k0 < 4) {
      for (let k = k0; k < k1; k += 1) eliminateBelow(rows, k, k1, n, n);
      continue;
    }
    const [u0, u1, u2, u3] = [rows[k0], rows[k0 + 1], rows[k0 + 2], rows[k0 + 3]] as Float64Array[] as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const [d0, d1, d2, d3] = [pivot(u0, k0), pivot(u1, k0 + 1), pivot(u2, k0 + 2), pivot(u3, k0 + 3)];
    for (let i = k1; i < n; i += 1) {
      const r = rows[i] as Float64Array;
      const m0 = (r[k0] as number) / d0;
      const m1 = ((r[k0 + 1] as number) - m0 * (u0[k0 + 1] as number)) / d1;
      const m2 = ((r[k0 + 2] as number) - m0 * (u0[k0 + 2] as number) - m1 * (u1[k0 + 2] as number)) / d2;
      const m3 =
        ((r[k0 + 3] as number) -
          m0 * (u0[k0 + 3] as number) -
          m1 * (u1[k0 + 3] as number) -
          m2 * (u2[k0 + 3] as number)) /
        d3;
      r[k0] = m0;
      r[k0 + 1] = m1;
      r[k0 + 2] = m2;
      r[k0 + 3] = m3;
      if (m0 === 0 && m1 === 0 && m2 === 0 && m3 === 0) continue;
      for (let j = k1; j < n; j += 1) {
        r[j] = (r[j] as number) - (m0 * (u0[j] as number) + m1 * (u1[j] as number) + m2 * (u2[j] as number) + m3 * (u3[j] as number));
      }
    }
  }
}

/** Eliminates column k from rows [from, to), updating columns (k, end). */
function eliminateBelow(rows: Float64Array[], k: number, from: number, to: number, end: number): void {
  const pivotRow = rows[k] as Float64Array;
  const d = pivot(pivotRow, k);
  for (let i = from; i < to; i += 1) {
    const r = rows[i] as Float64Array;
    const m = (r[k] as number) / d;
    r[k] = m;
    if (m === 0) continue;
    for (let j = k + 1; j < end; j += 1) r[j] = (r[j] as number) - m * (pivotRow[j] as number);
  }
}

function pivot(row: Float64Array, k: number): number {
  const d = row[k] as number;
  if (!(d > 0) || !Number.isFinite(d)) {
    throw new DomainError('invalid_weights', `absorbing chain: pivot ${k} is ${d}; some state never reaches won or lost`);
  }
  return d;
}

/** Solves `L U x = b`. */
function solveLU(rows: Float64Array[], b: Float64Array): Float64Array {
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

/** Solves `(L U)ᵀ x = b`, row by row (each row of U, then of L, is read once). */
function solveTransposedLU(rows: Float64Array[], b: Float64Array): Float64Array {
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

/** `N_pp` for every p: row p of U⁻¹ dotted with column p of L⁻¹, four p at a time. */
function inverseDiagonal(rows: Float64Array[]): Float64Array {
  const n = rows.length;
  const diagonal = new Float64Array(n);
  const y = [0, 1, 2, 3].map(() => new Float64Array(n));
  const z = [0, 1, 2, 3].map(() => new Float64Array(n));
  // U's columns as rows, so both triangular solves below read memory in order.
  const upperT = rows.map((_, k) => {
    const column = new Float64Array(k + 1);
    for (let j = 0; j <= k; j += 1) column[j] = (rows[j] as Float64Array)[k] as number;
    return column;
  });
  for (let p0 = 0; p0 < n; p0 += 4) {
    const width = Math.min(4, n - p0);
    for (const v of [...y, ...z]) v.fill(0, p0);
    upperInverseRows(upperT, p0, width, y as [Float64Array, Float64Array, Float64Array, Float64Array]);
    lowerInverseColumns(rows, p0, width, z as [Float64Array, Float64Array, Float64Array, Float64Array]);
    for (let t = 0; t < width; t += 1) {
      const [yt, zt] = [y[t] as Float64Array, z[t] as Float64Array];
      let sum = 0;
      for (let k = p0 + t; k < n; k += 1) sum += (yt[k] as number) * (zt[k] as number);
      diagonal[p0 + t] = sum;
    }
  }
  return diagonal;
}

type Four = [Float64Array, Float64Array, Float64Array, Float64Array];

/**
 * y_t = e_{p0+t}ᵀ U⁻¹ for t < width (entries from p0 on; y_t is 0 before p0 + t),
 * by dot products over the columns of U, read as rows of its transpose.
 */
function upperInverseRows(upperT: Float64Array[], p0: number, width: number, y: Four): void {
  const n = upperT.length;
  const [y0, y1, y2, y3] = y;
  for (let k = p0; k < n; k += 1) {
    const c = upperT[k] as Float64Array;
    let [s0, s1, s2, s3] = [0, 0, 0, 0];
    for (let j = p0; j < k; j += 1) {
      const u = c[j] as number;
      s0 += u * (y0[j] as number);
      s1 += u * (y1[j] as number);
      s2 += u * (y2[j] as number);
      s3 += u * (y3[j] as number);
    }
    const d = c[k] as number;
    const offset = k - p0;
    y0[k] = ((offset === 0 ? 1 : 0) - s0) / d;
    y1[k] = width > 1 ? ((offset === 1 ? 1 : 0) - s1) / d : 0;
    y2[k] = width > 2 ? ((offset === 2 ? 1 : 0) - s2) / d : 0;
    y3[k] = width > 3 ? ((offset === 3 ? 1 : 0) - s3) / d : 0;
  }
}

/** z_t = L⁻¹ e_{p0+t} for t < width (L has a unit diagonal). */
function lowerInverseColumns(rows: Float64Array[], p0: number, width: number, z: Four): void {
  const n = rows.length;
  const [z0, z1, z2, z3] = z;
  for (let k = p0; k < n; k += 1) {
    const r = rows[k] as Float64Array;
    let [s0, s1, s2, s3] = [0, 0, 0, 0];
    for (let j = p0; j < k; j += 1) {
      const l = r[j] as number;
      s0 += l * (z0[j] as number);
      s1 += l * (z1[j] as number);
      s2 += l * (z2[j] as number);
      s3 += l * (z3[j] as number);
    }
    const offset = k - p0;
    z0[k] = (offset === 0 ? 1 : 0) - s0;
    z1[k] = width > 1 ? (offset === 1 ? 1 : 0) - s1 : 0;
    z2[k] = width > 2 ? (offset === 2 ? 1 : 0) - s2 : 0;
    z3[k] = width > 3 ? (offset === 3 ? 1 : 0) - s3 : 0;
  }
}
