import { MAX_PAGES, kernelModule, kernelsOn, sharedMemory, type KernelExports, type WasmMemory } from './simd-kernels.js';

const PAGE = 65_536;
/** Threads that can build the inverse's diagonal together: the solving thread (lane 0) and one helper. */
export const LANES = 2;
/** Counters for threads sharing the solve: the diagonal's (inverse-diagonal.ts) and the factorisation's (dense-lu.ts). */
const COUNTERS = 8;

/** What a helper thread is sent to work on a {@link SimdWorkspace} (structured-clonable: the memory is shared). */
export interface SharedSimdWorkspace {
  memory: WasmMemory;
  size: number;
  columns: number;
}

/** The parts of a solve a helper can take: the factorisation's trailing updates, then the inverse's diagonal. */
export type SharedPart = 'factors' | 'diagonal';

/** One thread's column blocks and sums for the inverse diagonal, with the kernel bound to them. */
export interface SimdLane {
  readonly yBlock: Float64Array;
  readonly zBlock: Float64Array;
  readonly sums: Float64Array;
  /** `sums[t] = Σ_{j in [p0, k)} rows[k][j] · zBlock[j·8 + t]`, and into `sums[8 + t]` the same for row k + 1 (or k again). */
  accumulateRows(k: number, p0: number): void;
  /** `sums[t] = Σ_{j in [p0, k)} upperT[k][j] · yBlock[j·8 + t]`, and into `sums[8 + t]` the same for column k + 1 (or k again). */
  accumulateUpperColumns(k: number, p0: number): void;
}

/**
 * The memory of one dense solve of size n, shared between threads, with the SIMD kernels bound
 * to it: the n×n matrix (`rows`, row i at byte i·8n), U's transpose as a packed triangle
 * (`upperT`, column k of length k + 1), per {@link LANES lane} two column blocks of 8 and 16
 * sums, the inverse's diagonal, the state of each of its column blocks, and the counters of
 * threads sharing the factorisation and the diagonal (dense-lu.ts, inverse-diagonal.ts).
 */
export class SimdWorkspace {
  readonly rows: Float64Array[];
  readonly upperT: Float64Array[];
  readonly lanes: SimdLane[];
  readonly diagonal: Float64Array;
  readonly blockStates: Int32Array;
  readonly counters: Int32Array;
  private readonly kernels: KernelExports;
  private readonly stride: number;

  /** A workspace for size n, or undefined when WebAssembly SIMD or shared memory is not available or n is too large for one memory. */
  static create(n: number, columns: number): SimdWorkspace | undefined {
    const module = kernelModule();
    const pages = Math.ceil(SimdWorkspace.bytes(n, columns) / PAGE) + 1;
    if (module === null || pages > MAX_PAGES) return undefined;
    const memory = sharedMemory(pages);
    return memory === undefined ? undefined : new SimdWorkspace({ memory, size: n, columns }, kernelsOn(module, memory));
  }

  /** The workspace another thread {@link share}d, on the same memory. */
  static attach(shared: SharedSimdWorkspace): SimdWorkspace | undefined {
    const module = kernelModule();
    return module === null ? undefined : new SimdWorkspace(shared, kernelsOn(module, shared.memory));
  }

  private static bytes(n: number, columns: number): number {
    const blocks = Math.ceil(n / columns);
    return 8 * (n * n + (n * (n + 1)) / 2 + LANES * (2 * n * columns + 2 * columns) + n) + 4 * (blocks + COUNTERS);
  }

  private constructor(
    private readonly shared: SharedSimdWorkspace,
    kernels: KernelExports,
  ) {
    const { memory, size: n, columns } = shared;
    const { buffer } = memory;
    this.kernels = kernels;
    this.stride = n * 8;
    this.rows = Array.from({ length: n }, (_, i) => new Float64Array(buffer, i * this.stride, n));
    let offset = n * this.stride;
    const upperTOffsets: number[] = [];
    this.upperT = Array.from({ length: n }, (_, k) => {
      upperTOffsets.push(offset);
      const column = new Float64Array(buffer, offset, k + 1);
      offset += (k + 1) * 8;
      return column;
    });
    const take = (doubles: number) => {
      const at = offset;
      offset += doubles * 8;
      return at;
    };
    this.lanes = Array.from({ length: LANES }, (): SimdLane => {
      const [yOffset, zOffset, sumsOffset] = [take(n * columns), take(n * columns), take(2 * columns)];
      const next = (k: number) => (k + 1 < n ? k + 1 : k);
      return {
        yBlock: new Float64Array(buffer, yOffset, n * columns),
        zBlock: new Float64Array(buffer, zOffset, n * columns),
        sums: new Float64Array(buffer, sumsOffset, 2 * columns),
        accumulateRows: (k, p0) => kernels.accumulate(k * this.stride, next(k) * this.stride, zOffset, sumsOffset, p0, k),
        accumulateUpperColumns: (k, p0) =>
          kernels.accumulate(upperTOffsets[k] as number, upperTOffsets[next(k)] as number, yOffset, sumsOffset, p0, k),
      };
    });
    this.diagonal = new Float64Array(buffer, take(n), n);
    const blocks = Math.ceil(n / columns);
    this.blockStates = new Int32Array(buffer, offset, blocks);
    this.counters = new Int32Array(buffer, offset + 4 * blocks, COUNTERS);
  }

  /** What another thread needs to {@link attach} to this workspace. */
  share(): SharedSimdWorkspace {
    return this.shared;
  }

  /**
   * Writes each page of the matrix once, so that the solve's first writes find its memory mapped.
   * A thread that does this while the fit threads wait for their jobs takes the page faults of
   * 32 MB (at 2,000 states) in about 20 ms; the matrix's first writes took 100–165 ms more than
   * on mapped memory while the other fit thread was allocating (docs/benchmark.md, stop 33).
   */
  touchMatrixPages(): void {
    const matrix = new Uint8Array(this.shared.memory.buffer, 0, this.rows.length * this.stride);
    for (let at = 0; at < matrix.length; at += 4096) matrix[at] = 0;
  }

  /** Whether `rows` are this workspace's rows (so the factorisation may use the kernels). */
  owns(rows: readonly Float64Array[]): boolean {
    return rows === this.rows;
  }

  /** Rows i and i + 1 take the updates of pivots k..k+3 on columns [j0, j1); the even part in SIMD. */
  updatePair(i: number, k: number, j0: number, j1: number): number {
    const even = j0 + ((j1 - j0) & ~1);
    if (even > j0) this.kernels.updatePair(i * this.stride, (i + 1) * this.stride, k * this.stride, this.stride, k * 8, j0 * 8, even * 8);
    return even;
  }

  /** Row i takes the updates of pivots k..k+3 on columns [j0, j1); returns where the SIMD part ended. */
  updateRow(i: number, k: number, j0: number, j1: number): number {
    const even = j0 + ((j1 - j0) & ~1);
    if (even > j0) this.kernels.updateRow(i * this.stride, 0, k * this.stride, this.stride, k * 8, j0 * 8, even * 8);
    return even;
  }
}
