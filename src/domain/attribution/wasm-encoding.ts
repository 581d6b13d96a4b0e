// The bytes of a WebAssembly module, for simd-kernels.ts: LEB128 numbers, sections, and the few
// instructions the kernels use (WebAssembly core 2.0 with the fixed-width SIMD proposal).

export const I32 = 0x7f;
export const V128 = 0x7b;

export const uleb = (value: number): number[] => {
  const out: number[] = [];
  let rest = value;
  do {
    const byte = rest & 0x7f;
    rest >>>= 7;
    out.push(rest === 0 ? byte : byte | 0x80);
  } while (rest !== 0);
  return out;
};
export const vector = (items: readonly number[][]) => [...uleb(items.length), ...items.flat()];
export const section = (id: number, body: readonly number[]) => [id, ...uleb(body.length), ...body];
export const name = (text: string) => [...uleb(text.length), ...[...text].map((c) => c.charCodeAt(0))];

// Instructions.
export const get = (local: number) => [0x20, ...uleb(local)];
export const set = (local: number) => [0x21, ...uleb(local)];
export const i32Add = [0x6a];
export const i32GeU = [0x4f];
export const sleb = (value: number): number[] => {
  const out: number[] = [];
  for (let rest = value; ; ) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if ((rest === 0 && (byte & 0x40) === 0) || (rest === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
};
export const i32Const = (value: number) => [0x41, ...sleb(value)];
export const f64Load = (offset: number) => [0x2b, 3, ...uleb(offset)];
export const simd = (op: number) => [0xfd, ...uleb(op)];
export const v128Load = (offset = 0) => [...simd(0), 3, ...uleb(offset)];
export const v128Store = (offset = 0) => [...simd(11), 3, ...uleb(offset)];
export const f64x2Splat = simd(20);
export const f64x2Add = simd(240);
export const f64x2Sub = simd(241);
export const f64x2Mul = simd(242);
export const loopWhileBelow = (counter: number, end: number, step: number, body: readonly number[]) => [
  ...[0x02, 0x40, 0x03, 0x40], // block, loop
  ...get(counter),
  ...get(end),
  ...i32GeU,
  ...[0x0d, 1], // br_if out of the block
  ...body,
  ...get(counter),
  ...i32Const(step),
  ...i32Add,
  ...set(counter),
  ...[0x0c, 0], // br to the loop
  ...[0x0b, 0x0b],
];
