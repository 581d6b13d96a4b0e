import { I32, V128, uleb, vector, section, name, get, set, i32Add,
  i32Const, f64Load, v128Load, v128Store, f64x2Splat, f64x2Add, f64x2Sub, f64x2Mul, loopWhileBelow } from './wasm-encoding.js';

/**
 * The two inner loops of the dense solve (dense-lu.ts, inverse-diagonal.ts) as WebAssembly SIMD: two doubles per
 * instruction, and no bounds checks, about 3× the plain JavaScript loops on this machine.
 *
 * **Bit for bit the same as the JavaScript loops**: each lane does exactly the IEEE-754
 * operations of the scalar code, in the same order (`r - (((m0·a + m1·b) + m2·c) + m3·d)`, and
 * `s + a·b`), with no fused multiply-add, so a fit is the same bytes with or without SIMD, on
 * every machine (tested against the scalar kernels on random matrices).
 *
 * The module is a few hundred bytes, assembled here from its instructions so there is no
 * binary to trust and no build step. It works on one shared `WebAssembly.Memory` per solve
 * (`SimdWorkspace`, simd-workspace.ts); the matrix, U's transpose and the column blocks live in it.
 */

// Node provides WebAssembly; TypeScript declares it only in the DOM and web-worker libraries, which
// the service does not load. What this module uses of it:
declare const WebAssembly: {
  Module: new (bytes: Uint8Array<ArrayBuffer>) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
};
export interface WasmModule {
  readonly compiled: unique symbol;
}
/** A shared memory: a helper thread that is sent it works on the same bytes. */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}

/** The largest memory the kernels take (4 GiB of 64 KiB pages). */
export const MAX_PAGES = 65_536;

/**
 * `rows(r, q) -= multipliers · pivot rows k..k+3`, columns [j0, j1): the factorisation's trailing
 * update for one or two rows (`pair`). Parameters are byte offsets: r, q, the first pivot row,
 * the row stride, k·8, j0, j1 (j1 − j0 a multiple of 16).
 */
function updateKernel(pair: boolean): number[] {
  const [r, q, u0, stride, k8, j0, j1] = [0, 1, 2, 3, 4, 5, 6];
  const [u1, u2, u3, j] = [7, 8, 9, 10];
  const m = [11, 12, 13, 14];
  const n = [15, 16, 17, 18];
  const v = [19, 20, 21, 22];
  const splatMultipliers = (row: number, into: number[]) =>
    into.flatMap((local, t) => [...get(row), ...get(k8), ...i32Add, ...f64Load(t * 8), ...f64x2Splat, ...set(local)]);
  const subtractFrom = (row: number, multipliers: number[]) => [
    ...get(row),
    ...get(j),
    ...i32Add,
    ...get(row),
    ...get(j),
    ...i32Add,
    ...v128Load(),
    ...get(multipliers[0] as number),
    ...get(v[0] as number),
    ...f64x2Mul,
    ...[1, 2, 3].flatMap((t) => [...get(multipliers[t] as number), ...get(v[t] as number), ...f64x2Mul, ...f64x2Add]),
    ...f64x2Sub,
    ...v128Store(),
  ];
  const body = [
    ...get(u0), ...get(stride), ...i32Add, ...set(u1),
    ...get(u1), ...get(stride), ...i32Add, ...set(u2),
    ...get(u2), ...get(stride), ...i32Add, ...set(u3),
    ...splatMultipliers(r, m),
    ...(pair ? splatMultipliers(q, n) : []),
    ...get(j0),
    ...set(j),
    ...loopWhileBelow(j, j1, 16, [
      ...[u0, u1, u2, u3].flatMap((u, t) => [...get(u), ...get(j), ...i32Add, ...v128Load(), ...set(v[t] as number)]),
      ...subtractFrom(r, m),
      ...(pair ? subtractFrom(q, n) : []),
    ]),
    0x0b,
  ]; // prettier-ignore
  return [...vector([[...uleb(4), I32], [...uleb(12), V128]]), ...body];
}

/**
 * `out[t] = Σ_{j in [p0, k)} a[j] · block[j·8 + t]` for t = 0..7, and the same for row b into
 * out[8 + t], each sum in j order: the inverse diagonal's inner loop, two rows per pass over the
 * block. Parameters are byte offsets of a, b, block and out, then p0 and k.
 */
function accumulateKernel(): number[] {
  const [rowA, rowB, block, out, p0, k] = [0, 1, 2, 3, 4, 5];
  const [j, end, blockAt] = [6, 7, 8];
  const [a, b] = [9, 10];
  const sumsA = [11, 12, 13, 14];
  const sumsB = [15, 16, 17, 18];
  const shift = (bits: number) => [...i32Const(bits), 0x74]; // i32.shl
  const accumulateInto = (sums: number[], splat: number) =>
    sums.flatMap((sum, t) => [...get(sum), ...get(splat), ...get(blockAt), ...v128Load(t * 16), ...f64x2Mul, ...f64x2Add, ...set(sum)]);
  const body = [
    ...get(p0), ...shift(3), ...set(j),
    ...get(k), ...shift(3), ...set(end),
    ...get(block), ...get(p0), ...shift(6), ...i32Add, ...set(blockAt),
    ...loopWhileBelow(j, end, 8, [
      ...get(rowA), ...get(j), ...i32Add, ...f64Load(0), ...f64x2Splat, ...set(a),
      ...get(rowB), ...get(j), ...i32Add, ...f64Load(0), ...f64x2Splat, ...set(b),
      ...accumulateInto(sumsA, a),
      ...accumulateInto(sumsB, b),
      ...get(blockAt), ...i32Const(64), ...i32Add, ...set(blockAt),
    ]),
    ...[...sumsA, ...sumsB].flatMap((sum, t) => [...get(out), ...get(sum), ...v128Store(t * 16)]),
    0x0b,
  ]; // prettier-ignore
  return [...vector([[...uleb(3), I32], [...uleb(10), V128]]), ...body];
}

function assemble(): Uint8Array<ArrayBuffer> {
  const functions = [updateKernel(true), updateKernel(false), accumulateKernel()];
  const types = [
    [0x60, ...vector(Array.from({ length: 7 }, () => [I32])), 0],
    [0x60, ...vector(Array.from({ length: 6 }, () => [I32])), 0],
  ];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, vector(types)),
    // A shared memory (limits flag 3) of 1 to MAX_PAGES pages.
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(MAX_PAGES)]])),
    ...section(3, vector([[0], [0], [1]])),
    ...section(
      7,
      vector([
        [...name('updatePair'), 0x00, 0],
        [...name('updateRow'), 0x00, 1],
        [...name('accumulate'), 0x00, 2],
      ]),
    ),
    ...section(10, vector(functions.map((code) => [...uleb(code.length), ...code]))),
  ]);
}

export interface KernelExports {
  updatePair(r: number, q: number, u0: number, stride: number, k8: number, j0: number, j1: number): void;
  updateRow(r: number, unused: number, u0: number, stride: number, k8: number, j0: number, j1: number): void;
  accumulate(rowA: number, rowB: number, block: number, out: number, p0: number, k: number): void;
}

let compiled: WasmModule | null | undefined;

/** The compiled kernels, or null where WebAssembly SIMD or shared memory is not available. */
export function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(assemble());
    } catch {
      compiled = null; // no WebAssembly SIMD here: the JavaScript loops do the same arithmetic
    }
  }
  return compiled;
}

/** A shared memory of `pages` 64 KiB pages, or undefined when it cannot be had. */
export function sharedMemory(pages: number): WasmMemory | undefined {
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined;
  }
}

/** The kernels bound to `memory`. */
export function kernelsOn(module: WasmModule, memory: WasmMemory): KernelExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as KernelExports;
}
