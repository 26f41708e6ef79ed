import type { LshModel } from './lsh-model.js';
import { HadamardTransform, nextPowerOfTwo } from './rotation.js';
import { inverseNorm } from './vector-math.js';

/** Vectors hashed together by hashBatchInto's blocked nearest-centroid kernel. */
const BLOCK = 4;

/**
 * Hashes vectors with a trained LshModel: per subspace, the index of the nearest centroid
 * (squared L2, ties → lowest index) after the model's normalisation and rotation.
 *
 * Speed (this is the ingest and query hot path):
 * - the nearest centroid is argmin_c (‖c‖² − 2·x·c), which differs from ‖x − c‖² by the
 *   constant ‖x‖² only, with ‖c‖² precomputed: one multiply-add per coordinate;
 * - hashBatchInto prepares four vectors at a time and scores them against two centroids at a
 *   time (register blocking: 6 loads per 8 multiply-adds);
 * - the centroids (copied as float64) and the prepared vectors live in one Float64Array, so the
 *   kernel reads a single typed array and converts nothing.
 * Every score is computed by the same float64 operations in the same order whichever path
 * (batch block, batch remainder, hashOne, probeTokens) computes it, so all paths agree exactly.
 *
 * Holds preallocated scratch buffers, so hashing allocates nothing per vector; an instance is
 * therefore not re-entrant (use one per concurrent caller — JS is single-threaded anyway).
 */
export class LshHasher {
  readonly model: LshModel;
  private readonly dim: number;
  /** Coordinates per prepared vector (model.rotatedDim). */
  private readonly width: number;
  private readonly G: number;
  private readonly K: number;
  private readonly bounds: Int32Array;
  /** Per subspace, ‖c‖² of every centroid (float64, summed in coordinate order). */
  private readonly norms: Float64Array[];
  private readonly transform: HadamardTransform | null;
  /** A vector given as a plain array, as float32 (like the vectors given to hashBatchInto). */
  private readonly input: Float32Array;
  /**
   * Subspace g's centroids (clusters × width(g), row-major) at buf[cbase[g] ..], then BLOCK
   * prepared vectors of `width` coordinates each at buf[blockAt ..].
   */
  private readonly buf: Float64Array;
  private readonly cbase: Int32Array;
  private readonly blockAt: number;
  /** Codes of the vectors in the block: codes[v * G + g]. */
  private readonly codes: Int32Array;

  constructor(model: LshModel) {
    const { dim, rotatedDim, subspaces, clusters, bounds, centroids, rotation } = model;
    const expectedWidth = rotation ? nextPowerOfTwo(dim) : dim;
    if (rotatedDim !== expectedWidth) {
      throw new RangeError(`model rotatedDim is ${rotatedDim}, expected ${expectedWidth}`);
    }
    if (bounds.length !== subspaces + 1 || bounds[subspaces] !== rotatedDim) {
      throw new RangeError('model bounds do not match its rotatedDim/subspaces');
    }
    if (centroids.length !== subspaces) {
      throw new RangeError(`model has ${centroids.length} centroid arrays, expected ${subspaces}`);
    }
    const norms: Float64Array[] = [];
    const cbase = new Int32Array(subspaces);
    let total = 0;
    for (let g = 0; g < subspaces; g++) {
      const width = bounds[g + 1]! - bounds[g]!;
      const C = centroids[g]!;
      if (C.length !== clusters * width) {
        throw new RangeError(
          `subspace ${g} has ${C.length} centroid values, expected ${clusters * width}`,
        );
      }
      const n = new Float64Array(clusters);
      for (let c = 0; c < clusters; c++) {
        let s = 0;
        for (let j = c * width; j < (c + 1) * width; j++) s += C[j]! * C[j]!;
        n[c] = s;
      }
      norms.push(n);
      cbase[g] = total;
      total += C.length;
    }
    const buf = new Float64Array(total + BLOCK * rotatedDim);
    for (let g = 0; g < subspaces; g++) buf.set(centroids[g]!, cbase[g]!);
    this.model = model;
    this.dim = dim;
    this.width = rotatedDim;
    this.G = subspaces;
    this.K = clusters;
    this.bounds = bounds;
    this.norms = norms;
    this.transform = rotation ? new HadamardTransform(rotation, dim) : null;
    this.input = new Float32Array(dim);
    this.buf = buf;
    this.cbase = cbase;
    this.blockAt = total;
    this.codes = new Int32Array(BLOCK * subspaces);
  }

  /** Number of tokens hashOne produces per item (one per subspace). */
  get tokensPerItem(): number {
    return this.G;
  }

  /**
   * Hashes `count` vectors of the flat row-major array `vectors` (count × dim); writes the code
   * of vector i in subspace g to out[i * subspaces + g].
   */
  hashBatchInto(vectors: Float32Array, count: number, out: Uint16Array | Int32Array): void {
    const { dim, G, width, codes } = this;
    if (!Number.isInteger(count) || count < 0) {
      throw new RangeError(`count must be a non-negative integer, got ${count}`);
    }
    if (vectors.length < count * dim) {
      throw new RangeError(
        `vectors has ${vectors.length} values, expected at least count × dim = ${count * dim}`,
      );
    }
    if (out.length < count * G) {
      throw new RangeError(`out has ${out.length} slots, expected at least ${count * G}`);
    }
    if (out instanceof Uint16Array && this.K > 65536) {
      throw new RangeError(`${this.K} clusters do not fit a Uint16Array; pass an Int32Array`);
    }
    const { buf, blockAt, bounds, cbase, norms } = this;
    let i = 0;
    for (; i + BLOCK <= count; i += BLOCK) {
      for (let v = 0; v < BLOCK; v++) this.prepare(vectors, (i + v) * dim, blockAt + v * width);
      for (let g = 0; g < G; g++) {
        const start = bounds[g]!;
        nearest4(
          buf,
          blockAt + start,
          width,
          cbase[g]!,
          norms[g]!,
          bounds[g + 1]! - start,
          codes,
          g,
          G,
        );
      }
      for (let j = 0; j < BLOCK * G; j++) out[i * G + j] = codes[j]!;
    }
    for (; i < count; i++) {
      this.prepare(vectors, i * dim, blockAt);
      this.nearestAll();
      for (let g = 0; g < G; g++) out[i * G + g] = codes[g]!;
    }
  }

  /** Tokens `"g-c"` of item `index` from a codes array filled by hashBatchInto. */
  codesToTokens(codes: ArrayLike<number>, index: number): string[] {
    const G = this.G;
    const tokens = new Array<string>(G);
    for (let g = 0; g < G; g++) tokens[g] = `${g}-${codes[index * G + g]!}`;
    return tokens;
  }

  /** Tokens of one vector, in subspace order. */
  hashOne(vector: ArrayLike<number>): string[] {
    this.load(vector);
    this.prepare(this.input, 0, this.blockAt);
    this.nearestAll();
    return this.codesToTokens(this.codes, 0);
  }

  /**
   * Multi-probe tokens: first the nearest-centroid token of every subspace (exactly hashOne's
   * tokens), then, subspace by subspace, the tokens of the next `probes - 1` nearest centroids
   * (closest first). `probes` is capped at the number of clusters.
   */
  probeTokens(vector: ArrayLike<number>, probes: number): string[] {
    if (!Number.isInteger(probes) || probes < 1) {
      throw new RangeError(`probes must be a positive integer, got ${probes}`);
    }
    const P = Math.min(probes, this.K);
    this.load(vector);
    this.prepare(this.input, 0, this.blockAt);
    const { G, K, bounds, cbase, norms, blockAt, buf: x } = this;
    const bestIdx = new Int32Array(G * P);
    const bestDist = new Float64Array(P);
    for (let g = 0; g < G; g++) {
      const start = blockAt + bounds[g]!;
      const width = bounds[g + 1]! - bounds[g]!;
      const n = norms[g]!;
      const idx = bestIdx.subarray(g * P, (g + 1) * P);
      let filled = 0;
      for (let c = 0, cb = cbase[g]!; c < K; c++, cb += width) {
        // The same score, computed the same way, as the kernels below.
        let dot = 0;
        for (let j = 0; j < width; j++) dot += x[start + j]! * x[cb + j]!;
        const d = n[c]! - 2 * dot;
        if (filled === P && !(d < bestDist[P - 1]!)) continue;
        // Insertion into the sorted top-P list; equal scores keep the lower index first.
        let pos = filled < P ? filled++ : P - 1;
        while (pos > 0 && d < bestDist[pos - 1]!) {
          bestDist[pos] = bestDist[pos - 1]!;
          idx[pos] = idx[pos - 1]!;
          pos--;
        }
        bestDist[pos] = d;
        idx[pos] = c;
      }
    }
    const tokens: string[] = [];
    for (let g = 0; g < G; g++) tokens.push(`${g}-${bestIdx[g * P]!}`);
    for (let g = 0; g < G; g++) {
      for (let r = 1; r < P; r++) tokens.push(`${g}-${bestIdx[g * P + r]!}`);
    }
    return tokens;
  }

  private load(vector: ArrayLike<number>): void {
    if (vector.length !== this.dim) {
      throw new RangeError(`vector has ${vector.length} dimensions, the model expects ${this.dim}`);
    }
    const input = this.input;
    for (let j = 0; j < this.dim; j++) input[j] = vector[j]!;
  }

  /**
   * Writes src[offset .. offset+dim), normalised (cosine) and rotated (if the model rotates),
   * to buf[at .. at+width).
   */
  private prepare(src: Float32Array, offset: number, at: number): void {
    const { dim, model, buf, transform } = this;
    const scale = model.metric === 'cosine' ? inverseNorm(src, offset, dim) : 1;
    if (transform) {
      transform.apply(src, offset, scale, buf, at);
    } else {
      for (let j = 0; j < dim; j++) buf[at + j] = src[offset + j]! * scale;
    }
  }

  /** Codes of the vector at buf[blockAt ..], one per subspace, into codes[0 .. G). */
  private nearestAll(): void {
    const { G, bounds, cbase, norms, buf, blockAt, codes } = this;
    for (let g = 0; g < G; g++) {
      const start = bounds[g]!;
      codes[g] = nearest1(buf, blockAt + start, cbase[g]!, norms[g]!, bounds[g + 1]! - start);
    }
  }
}

/**
 * Index of the centroid c (the K × width row-major centroids at x[cb ..], K = norms.length)
 * minimising norms[c] − 2·v·c for v = x[xo .. xo+width); ties go to the lowest index. Eight
 * centroids share each load of v.
 */
function nearest1(
  x: Float64Array,
  xo: number,
  cb: number,
  norms: Float64Array,
  width: number,
): number {
  const K = norms.length;
  let best = 0;
  let bestD = Infinity;
  let c = 0;
  for (; c + 7 < K; c += 8) {
    const b0 = cb + c * width;
    const b1 = cb + (c + 1) * width;
    const b2 = cb + (c + 2) * width;
    const b3 = cb + (c + 3) * width;
    const b4 = cb + (c + 4) * width;
    const b5 = cb + (c + 5) * width;
    const b6 = cb + (c + 6) * width;
    const b7 = cb + (c + 7) * width;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let d4 = 0;
    let d5 = 0;
    let d6 = 0;
    let d7 = 0;
    for (let j = 0; j < width; j++) {
      const v = x[xo + j]!;
      d0 += v * x[b0 + j]!;
      d1 += v * x[b1 + j]!;
      d2 += v * x[b2 + j]!;
      d3 += v * x[b3 + j]!;
      d4 += v * x[b4 + j]!;
      d5 += v * x[b5 + j]!;
      d6 += v * x[b6 + j]!;
      d7 += v * x[b7 + j]!;
    }
    // In centroid order, so that ties keep the lowest index.
    const t0 = norms[c]! - 2 * d0;
    if (t0 < bestD) {
      bestD = t0;
      best = c;
    }
    const t1 = norms[c + 1]! - 2 * d1;
    if (t1 < bestD) {
      bestD = t1;
      best = c + 1;
    }
    const t2 = norms[c + 2]! - 2 * d2;
    if (t2 < bestD) {
      bestD = t2;
      best = c + 2;
    }
    const t3 = norms[c + 3]! - 2 * d3;
    if (t3 < bestD) {
      bestD = t3;
      best = c + 3;
    }
    const t4 = norms[c + 4]! - 2 * d4;
    if (t4 < bestD) {
      bestD = t4;
      best = c + 4;
    }
    const t5 = norms[c + 5]! - 2 * d5;
    if (t5 < bestD) {
      bestD = t5;
      best = c + 5;
    }
    const t6 = norms[c + 6]! - 2 * d6;
    if (t6 < bestD) {
      bestD = t6;
      best = c + 6;
    }
    const t7 = norms[c + 7]! - 2 * d7;
    if (t7 < bestD) {
      bestD = t7;
      best = c + 7;
    }
  }
  for (; c < K; c++) {
    const b = cb + c * width;
    let d = 0;
    for (let j = 0; j < width; j++) d += x[xo + j]! * x[b + j]!;
    d = norms[c]! - 2 * d;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/**
 * nearest1 for four vectors at once: v_a = x[xo + a·stride ..] for a = 0..3, scored against four
 * centroids at a time (register blocking: 8 loads per 16 multiply-adds, against 9 per 8 in
 * nearest1). Writes the code of vector a to codes[co + a·cstride]. Per vector, every score is the
 * same float64 computation as in nearest1, so the codes are identical.
 */
function nearest4(
  x: Float64Array,
  xo: number,
  stride: number,
  cb: number,
  norms: Float64Array,
  width: number,
  codes: Int32Array,
  co: number,
  cstride: number,
): void {
  const K = norms.length;
  const s0 = xo;
  let best0 = 0;
  let e0 = Infinity;
  const s1 = xo + stride;
  let best1 = 0;
  let e1 = Infinity;
  const s2 = xo + 2 * stride;
  let best2 = 0;
  let e2 = Infinity;
  const s3 = xo + 3 * stride;
  let best3 = 0;
  let e3 = Infinity;
  let c = 0;
  for (; c + 3 < K; c += 4) {
    const p0 = cb + c * width;
    const p1 = cb + (c + 1) * width;
    const p2 = cb + (c + 2) * width;
    const p3 = cb + (c + 3) * width;
    let d00 = 0;
    let d01 = 0;
    let d02 = 0;
    let d03 = 0;
    let d10 = 0;
    let d11 = 0;
    let d12 = 0;
    let d13 = 0;
    let d20 = 0;
    let d21 = 0;
    let d22 = 0;
    let d23 = 0;
    let d30 = 0;
    let d31 = 0;
    let d32 = 0;
    let d33 = 0;
    for (let j = 0; j < width; j++) {
      const x0 = x[s0 + j]!;
      const x1 = x[s1 + j]!;
      const x2 = x[s2 + j]!;
      const x3 = x[s3 + j]!;
      const c0 = x[p0 + j]!;
      const c1 = x[p1 + j]!;
      const c2 = x[p2 + j]!;
      const c3 = x[p3 + j]!;
      d00 += x0 * c0;
      d10 += x1 * c0;
      d20 += x2 * c0;
      d30 += x3 * c0;
      d01 += x0 * c1;
      d11 += x1 * c1;
      d21 += x2 * c1;
      d31 += x3 * c1;
      d02 += x0 * c2;
      d12 += x1 * c2;
      d22 += x2 * c2;
      d32 += x3 * c2;
      d03 += x0 * c3;
      d13 += x1 * c3;
      d23 += x2 * c3;
      d33 += x3 * c3;
    }
    // In centroid order, so that ties keep the lowest index.
    const n0 = norms[c]!;
    const n1 = norms[c + 1]!;
    const n2 = norms[c + 2]!;
    const n3 = norms[c + 3]!;
    const t00 = n0 - 2 * d00;
    if (t00 < e0) {
      e0 = t00;
      best0 = c;
    }
    const t10 = n0 - 2 * d10;
    if (t10 < e1) {
      e1 = t10;
      best1 = c;
    }
    const t20 = n0 - 2 * d20;
    if (t20 < e2) {
      e2 = t20;
      best2 = c;
    }
    const t30 = n0 - 2 * d30;
    if (t30 < e3) {
      e3 = t30;
      best3 = c;
    }
    const t01 = n1 - 2 * d01;
    if (t01 < e0) {
      e0 = t01;
      best0 = c + 1;
    }
    const t11 = n1 - 2 * d11;
    if (t11 < e1) {
      e1 = t11;
      best1 = c + 1;
    }
    const t21 = n1 - 2 * d21;
    if (t21 < e2) {
      e2 = t21;
      best2 = c + 1;
    }
    const t31 = n1 - 2 * d31;
    if (t31 < e3) {
      e3 = t31;
      best3 = c + 1;
    }
    const t02 = n2 - 2 * d02;
    if (t02 < e0) {
      e0 = t02;
      best0 = c + 2;
    }
    const t12 = n2 - 2 * d12;
    if (t12 < e1) {
      e1 = t12;
      best1 = c + 2;
    }
    const t22 = n2 - 2 * d22;
    if (t22 < e2) {
      e2 = t22;
      best2 = c + 2;
    }
    const t32 = n2 - 2 * d32;
    if (t32 < e3) {
      e3 = t32;
      best3 = c + 2;
    }
    const t03 = n3 - 2 * d03;
    if (t03 < e0) {
      e0 = t03;
      best0 = c + 3;
    }
    const t13 = n3 - 2 * d13;
    if (t13 < e1) {
      e1 = t13;
      best1 = c + 3;
    }
    const t23 = n3 - 2 * d23;
    if (t23 < e2) {
      e2 = t23;
      best2 = c + 3;
    }
    const t33 = n3 - 2 * d33;
    if (t33 < e3) {
      e3 = t33;
      best3 = c + 3;
    }
  }
  for (; c < K; c++) {
    const p = cb + c * width;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let j = 0; j < width; j++) {
      const cv = x[p + j]!;
      d0 += x[s0 + j]! * cv;
      d1 += x[s1 + j]! * cv;
      d2 += x[s2 + j]! * cv;
      d3 += x[s3 + j]! * cv;
    }
    const n = norms[c]!;
    if (n - 2 * d0 < e0) {
      e0 = n - 2 * d0;
      best0 = c;
    }
    if (n - 2 * d1 < e1) {
      e1 = n - 2 * d1;
      best1 = c;
    }
    if (n - 2 * d2 < e2) {
      e2 = n - 2 * d2;
      best2 = c;
    }
    if (n - 2 * d3 < e3) {
      e3 = n - 2 * d3;
      best3 = c;
    }
  }
  codes[co] = best0;
  codes[co + cstride] = best1;
  codes[co + 2 * cstride] = best2;
  codes[co + 3 * cstride] = best3;
}
