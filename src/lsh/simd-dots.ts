/*
 * A WebAssembly SIMD kernel for the dense first assignment of k-means: dot products of four rows
 * with every centre, in float32, four centres per f32x4 lane group. The module is small enough to
 * be emitted here byte by byte (no assembler, no file to load): it is compiled once per thread
 * the first time it is used, and `null` is returned where WebAssembly SIMD is not available (the
 * caller then scores in float64 JavaScript).
 *
 * Export `dots(x, c, panels, width, out)`, all byte offsets into the module's memory:
 *   x       four rows of `width` float32 values, one after the other;
 *   c       the centres in panels: panel p holds centres 4p..4p+3 as `width` groups of four
 *           float32 values (coordinate j of the four centres at c + (p·width + j)·16);
 *   panels  an even number of panels;
 *   out     out[r·4·panels + k] = Σ_j x_r[j]·c_k[j] for row r < 4 and centre k < 4·panels.
 * Every sum is float32 arithmetic in coordinate order: acc = fl(acc + fl(x·c)) per coordinate,
 * so `scalarDots` below computes the very same values.
 */

const I32 = 0x7f;
const V128 = 0x7b;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

function name(s: string): number[] {
  return [...leb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** The module's bytes. */
export function dotsModuleBytes(): Uint8Array<ArrayBuffer> {
  // Parameters 0..4, then the locals.
  const [X, C, PANELS, WIDTH, OUT] = [0, 1, 2, 3, 4];
  const [P, J, X0, X1, X2, X3, CP, CQ, OB, ROW_OUT, STRIDE] = [
    5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  ];
  const A = [16, 17, 18, 19, 20, 21, 22, 23];
  const [V0, V1, S] = [24, 25, 26];

  const get = (i: number) => [0x20, ...leb(i)];
  const set = (i: number) => [0x21, ...leb(i)];
  const i32 = (n: number) => [0x41, ...sleb(n)];
  const add = [0x6a];
  const sub = [0x6b];
  const mul = [0x6c];
  const shl = [0x74];
  const ltU = [0x49];
  const ne = [0x47];
  const simd = (op: number, ...imm: number[]) => [0xfd, ...leb(op), ...imm];
  const memarg = [0, 0]; // alignment hint 1, offset 0
  const load = simd(0x00, ...memarg);
  const store = simd(0x0b, ...memarg);
  const splat32 = simd(0x09, ...memarg); // v128.load32_splat
  const zero = simd(0x0c, ...new Array<number>(16).fill(0));
  const fadd = simd(0xe4);
  const fmul = simd(0xe6);
  const addTo = (local: number, by: number[]) => [...get(local), ...by, ...add, ...set(local)];

  const body: number[] = [
    // rowOut = panels · 16 bytes; stride = width · 4 bytes; p = 0
    ...get(PANELS),
    ...i32(4),
    ...shl,
    ...set(ROW_OUT),
    ...get(WIDTH),
    ...i32(2),
    ...shl,
    ...set(STRIDE),
    ...i32(0),
    ...set(P),
    0x03,
    0x40, // loop $P
    // cp = c + p · width · 16; cq = cp + width · 16
    ...get(C),
    ...get(P),
    ...get(WIDTH),
    ...mul,
    ...i32(4),
    ...shl,
    ...add,
    ...set(CP),
    ...get(CP),
    ...get(WIDTH),
    ...i32(4),
    ...shl,
    ...add,
    ...set(CQ),
    ...get(X),
    ...set(X0),
    ...get(X0),
    ...get(STRIDE),
    ...add,
    ...set(X1),
    ...get(X1),
    ...get(STRIDE),
    ...add,
    ...set(X2),
    ...get(X2),
    ...get(STRIDE),
    ...add,
    ...set(X3),
    ...A.flatMap((a) => [...zero, ...set(a)]),
    ...get(WIDTH),
    ...set(J),
    0x03,
    0x40, // loop $J
    ...get(CP),
    ...load,
    ...set(V0),
    ...get(CQ),
    ...load,
    ...set(V1),
    ...[X0, X1, X2, X3].flatMap((x, r) => [
      ...get(x),
      ...splat32,
      ...set(S),
      ...get(A[2 * r]!),
      ...get(S),
      ...get(V0),
      ...fmul,
      ...fadd,
      ...set(A[2 * r]!),
      ...get(A[2 * r + 1]!),
      ...get(S),
      ...get(V1),
      ...fmul,
      ...fadd,
      ...set(A[2 * r + 1]!),
    ]),
    ...addTo(CP, i32(16)),
    ...addTo(CQ, i32(16)),
    ...[X0, X1, X2, X3].flatMap((x) => addTo(x, i32(4))),
    ...get(J),
    ...i32(1),
    ...sub,
    ...set(J),
    ...get(J),
    ...i32(0),
    ...ne,
    0x0d,
    0x00, // br_if $J
    0x0b, // end $J
    // ob = out + p · 16, then one output row after another
    ...get(OUT),
    ...get(P),
    ...i32(4),
    ...shl,
    ...add,
    ...set(OB),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...(r > 0 ? addTo(OB, get(ROW_OUT)) : []),
      ...get(OB),
      ...get(A[2 * r]!),
      ...store,
      ...get(OB),
      ...i32(16),
      ...add,
      ...get(A[2 * r + 1]!),
      ...store,
    ]),
    ...addTo(P, i32(2)),
    ...get(P),
    ...get(PANELS),
    ...ltU,
    0x0d,
    0x00, // br_if $P
    0x0b, // end $P
    0x0b, // end of function
  ];
  // Locals: 11 i32, then 11 v128.
  const func = [...leb(2), ...leb(11), I32, ...leb(11), V128, ...body];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('dots'), 0x00, 0]),
    ...section(10, [1, ...leb(func.length), ...func]),
  ];
  return new Uint8Array(bytes);
}

/** The kernel with its memory, laid out for `count` rows of `width` and up to K centres. */
export class SimdDots {
  private readonly memory: WebAssembly.Memory;
  private readonly run: (x: number, c: number, panels: number, width: number, out: number) => void;
  readonly rows: Float32Array;
  readonly panels: number;
  readonly centres: Float32Array;
  readonly out: Float32Array;
  private readonly centreAt: number;
  private readonly outAt: number;

  constructor(
    instance: WebAssembly.Instance,
    readonly count: number,
    readonly width: number,
    readonly K: number,
  ) {
    this.memory = instance.exports.memory as WebAssembly.Memory;
    this.run = instance.exports.dots as SimdDots['run'];
    const paddedRows = Math.ceil(count / 4) * 4;
    this.panels = Math.ceil(K / 8) * 2;
    const rowFloats = paddedRows * width;
    const centreFloats = this.panels * 4 * width;
    const outFloats = 4 * this.panels * 4;
    const bytes = (rowFloats + centreFloats + outFloats) * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / 65536));
    const buffer = this.memory.buffer;
    this.rows = new Float32Array(buffer, 0, rowFloats);
    this.centreAt = rowFloats * 4;
    this.centres = new Float32Array(buffer, this.centreAt, centreFloats);
    this.outAt = this.centreAt + centreFloats * 4;
    this.out = new Float32Array(buffer, this.outAt, outFloats);
    this.rows.fill(0);
    this.centres.fill(0);
  }

  /** Copies the K centres (row-major, `width` values each, from `src` at `at`) into panels. */
  setCentres(src: Float64Array, at: number): void {
    const { width, K, centres } = this;
    for (let c = 0; c < K; c++) {
      const base = (c >> 2) * width * 4 + (c & 3);
      for (let j = 0; j < width; j++) centres[base + j * 4] = src[at + c * width + j]!;
    }
  }

  /** out[r·4·panels + k] = rows[i0 + r] · centre k, for r < 4. */
  dots(i0: number): void {
    this.run(i0 * this.width * 4, this.centreAt, this.panels, this.width, this.outAt);
  }
}

/**
 * A second module: `scan(lower, drift, from, end, reach) → g`, for the bound check of k-means's
 * later iterations. `lower` and `drift` are byte offsets of float64 arrays in its memory; it
 * returns the first even-offset g ≥ from (g = from + 2m) such that lower[g] − drift[g] ≤ reach
 * or lower[g + 1] − drift[g + 1] ≤ reach, or the first g with g + 2 > end. The subtraction and
 * comparison are IEEE float64 as in JavaScript, so the caller can test the pair it gets again
 * and skip everything before it.
 */
export function scanModuleBytes(): Uint8Array<ArrayBuffer> {
  const F64 = 0x7c;
  const [LO, DR, G, END, REACH] = [0, 1, 2, 3, 4];
  const R = 5;
  const get = (i: number) => [0x20, ...leb(i)];
  const set = (i: number) => [0x21, ...leb(i)];
  const i32 = (n: number) => [0x41, ...sleb(n)];
  const simd = (op: number, ...imm: number[]) => [0xfd, ...leb(op), ...imm];
  const address = (base: number) => [...get(base), ...get(G), ...i32(3), 0x74, 0x6a];
  // prettier-ignore
  const body: number[] = [
    ...get(REACH), ...simd(0x14), ...set(R), // f64x2.splat
    0x02, 0x40, // block $out
    0x03, 0x40, // loop $L
    ...get(G), ...i32(2), 0x6a, ...get(END), 0x4a, 0x0d, 0x01, // br_if $out (g + 2 > end)
    ...address(LO), ...simd(0x00, 0, 0),
    ...address(DR), ...simd(0x00, 0, 0),
    ...simd(0xf1), // f64x2.sub
    ...get(R), ...simd(0x4b), // f64x2.le
    ...simd(0x53), 0x0d, 0x01, // v128.any_true; br_if $out
    ...get(G), ...i32(2), 0x6a, ...set(G),
    0x0c, 0x00, // br $L
    0x0b, // end $L
    0x0b, // end $out
    ...get(G),
    0x0b,
  ];
  const func = [...leb(1), ...leb(1), V128, ...body];
  // prettier-ignore
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, F64, 1, I32]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('scan'), 0x00, 0]),
    ...section(10, [1, ...leb(func.length), ...func]),
  ];
  return new Uint8Array(bytes);
}

/** Float64 arrays in the scan module's memory, and its scan. */
export interface SimdScan {
  lower: Float64Array;
  drift: Float64Array;
  /** scanModuleBytes's scan with byte offsets of lower[base] and drift[0] filled in. */
  scan(base: number, from: number, end: number, reach: number): number;
}

let scanCompiled: WebAssembly.Module | null | undefined;

/** Memory for `lowerCount` lower bounds and `driftCount` drifts, or null without SIMD. */
export function simdScan(lowerCount: number, driftCount: number): SimdScan | null {
  if (scanCompiled === undefined) {
    try {
      const bytes = scanModuleBytes();
      scanCompiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      scanCompiled = null;
    }
  }
  if (scanCompiled === null) return null;
  const instance = new WebAssembly.Instance(scanCompiled, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const run = instance.exports.scan as (
    lo: number,
    dr: number,
    from: number,
    end: number,
    reach: number,
  ) => number;
  const bytes = (lowerCount + driftCount + 2) * 8;
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
  const lower = new Float64Array(memory.buffer, 0, lowerCount);
  const driftAt = lowerCount * 8;
  const drift = new Float64Array(memory.buffer, driftAt, driftCount);
  return {
    lower,
    drift,
    scan: (base, from, end, reach) => run(base * 8, driftAt, from, end, reach),
  };
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernel for this problem size, or null where WebAssembly SIMD is not available. */
export function simdDots(count: number, width: number, K: number): SimdDots | null {
  if (compiled === undefined) {
    try {
      const bytes = dotsModuleBytes();
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  return new SimdDots(new WebAssembly.Instance(compiled, {}), count, width, K);
}

/**
 * What `dots` computes, in JavaScript: float32 sums in coordinate order. For four rows at
 * `x[xo ..]` (`width` apart) and the centres at `c[co ..]` (row-major), into out[r·K + k].
 */
export function scalarDots(
  x: ArrayLike<number>,
  xo: number,
  c: ArrayLike<number>,
  co: number,
  K: number,
  width: number,
  out: Float32Array,
): void {
  const f = Math.fround;
  for (let r = 0; r < 4; r++) {
    for (let k = 0; k < K; k++) {
      let acc = 0;
      for (let j = 0; j < width; j++) {
        acc = f(acc + f(f(x[xo + r * width + j]!) * f(c[co + k * width + j]!)));
      }
      out[r * K + k] = acc;
    }
  }
}
