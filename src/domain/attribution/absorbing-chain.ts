import { factorLU, HelperStalledError, solveLU, solveTransposedLU } from './dense-lu.js';
import { DIAGONAL_BLOCK_COLUMNS, inverseDiagonal } from './inverse-diagonal.js';
import { SimdWorkspace, type SharedPart, type SharedSimdWorkspace } from './simd-workspace.js';

/**
 * An absorbing Markov chain over `size` transient states with two absorbing
 * states, won and lost (lost takes whatever the rows leave over), given by its rows, or by a
 * function that writes the matrix the solve factorises (see {@link MatrixWriter}).
 */
export type AbsorbingChain = ChainEnds & ({ transient: TransientRows } | { writeMatrix: MatrixWriter });

/** Row i: the probability of stepping from transient state i to each transient state; no self-loops. */
export type TransientRows = Float64Array[];

interface ChainEnds {
  size: number;
  /** Probability of stepping from each transient state straight to won. */
  toWon: Float64Array;
  /** Probability that the chain's first transient state is each state. */
  start: Float64Array;
}

/**
 * Writes `I - Q` (each transition probability negated, 1 on the diagonal) into the `size` zeroed
 * rows it is given: the solve's own memory, so the matrix is neither copied nor passed over once
 * more. It writes `toWon` and `start` too, and may be called again (a solve that restarts alone).
 */
export type MatrixWriter = (rows: Float64Array[]) => void;

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
 * The diagonal of `N = (I - Q)⁻¹` costs one more pass over the factors
 * (`inverseDiagonal`). Both are O(n³) in the number of states, the rest O(n²). `shareWork`,
 * when given, is handed the solve's shared memory as each of the two starts: a helper thread
 * that runs `helpFactorLU` / `helpInverseDiagonal` on it takes part of it (same bits). If a
 * helper stops mid-factorisation, the solve starts again alone. `workspace`, when given, is one
 * made by {@link chainWorkspace} for this size and not used since (its matrix still zero).
 *
 * @example
 * // start → a (a wins half the time):
 * solveAbsorbingChain({ size: 1, transient: [new Float64Array([0])],
 *   toWon: new Float64Array([0.5]), start: new Float64Array([1]) }).conversion; // 0.5
 */
export function solveAbsorbingChain(
  chain: AbsorbingChain,
  shareWork?: (work: SharedSimdWorkspace, part: SharedPart) => void,
  workspace?: SimdWorkspace,
): ChainSolution {
  const { size } = chain;
  // The matrix lives in the SIMD kernels' memory when they are available (same bits either way):
  // the caller's fresh workspace of this size if it made one, else a new one.
  const simd = workspace?.rows.length === size ? workspace : chainWorkspace(size);
  const rows = simd?.rows ?? Array.from({ length: size }, () => new Float64Array(size));
  if ('writeMatrix' in chain) chain.writeMatrix(rows);
  else {
    rows.forEach((a, i) => {
      const row = chain.transient[i] as Float64Array;
      for (let j = 0; j < size; j += 1) a[j] = -(row[j] ?? 0);
      a[i] = 1;
    });
  }
  const share = shareWork && ((part: SharedPart) => (workspace: SimdWorkspace) => shareWork(workspace.share(), part));
  try {
    factorLU(rows, simd, share?.('factors'));
  } catch (error) {
    if (error instanceof HelperStalledError) return solveAbsorbingChain(chain);
    throw error;
  }
  const winFrom = solveLU(rows, chain.toWon);
  const visits = solveTransposedLU(rows, chain.start);
  let conversion = 0;
  for (let i = 0; i < size; i += 1) conversion += (chain.start[i] ?? 0) * (winFrom[i] ?? 0);
  return { conversion, winFrom, visits, selfVisits: inverseDiagonal(rows, simd, share?.('diagonal')) };
}

/**
 * The shared memory a solve of `size` states works in, made ahead of {@link solveAbsorbingChain}
 * (which makes one itself when not given one); undefined where WebAssembly SIMD or shared memory
 * is not available.
 *
 * @example
 * const workspace = chainWorkspace(2000);
 * workspace?.touchMatrixPages(); // on a thread that would otherwise wait
 */
export function chainWorkspace(size: number): SimdWorkspace | undefined {
  return SimdWorkspace.create(size, DIAGONAL_BLOCK_COLUMNS);
}
