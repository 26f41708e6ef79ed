import type { LshModel } from './lsh-model.js';
import { rotateInto } from './rotation.js';
import { l2NormalizeInto } from './vector-math.js';

/**
 * Hashes vectors with a trained LshModel: per subspace, the index of the nearest centroid
 * (squared L2, ties → lowest index) after the model's normalisation and rotation.
 * Holds preallocated scratch buffers, so hashing allocates nothing per vector; an instance is
 * therefore not re-entrant (use one per concurrent caller — JS is single-threaded anyway).
 */
export class LshHasher {
  readonly model: LshModel;
  private readonly dim: number;
  private readonly G: number;
  private readonly K: number;
  private readonly bounds: Int32Array;
  private readonly centroids: Float32Array[];
  private readonly input: Float32Array;
  private readonly normed: Float32Array;
  private readonly rotated: Float32Array;
  private readonly codes: Int32Array;

  constructor(model: LshModel) {
    const { dim, subspaces, clusters, bounds, centroids, rotation } = model;
    if (bounds.length !== subspaces + 1 || bounds[subspaces] !== dim) {
      throw new RangeError('model bounds do not match its dim/subspaces');
    }
    if (centroids.length !== subspaces) {
      throw new RangeError(`model has ${centroids.length} centroid arrays, expected ${subspaces}`);
    }
    for (let g = 0; g < subspaces; g++) {
      const expected = clusters * (bounds[g + 1]! - bounds[g]!);
      if (centroids[g]!.length !== expected) {
        throw new RangeError(
          `subspace ${g} has ${centroids[g]!.length} centroid values, expected ${expected}`,
        );
      }
    }
    if (rotation && rotation.length !== dim * dim) {
      throw new RangeError(`rotation has ${rotation.length} values, expected ${dim * dim}`);
    }
    this.model = model;
    this.dim = dim;
    this.G = subspaces;
    this.K = clusters;
    this.bounds = bounds;
    this.centroids = centroids;
    this.input = new Float32Array(dim);
    this.normed = new Float32Array(dim);
    this.rotated = new Float32Array(dim);
    this.codes = new Int32Array(subspaces);
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
    const { dim, G } = this;
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
    for (let i = 0; i < count; i++) {
      const x = this.prepare(vectors, i * dim);
      const base = i * G;
      for (let g = 0; g < G; g++) out[base + g] = this.nearest(x, g);
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
    const x = this.prepare(this.input, 0);
    for (let g = 0; g < this.G; g++) this.codes[g] = this.nearest(x, g);
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
    const x = this.prepare(this.input, 0);
    const { G, K, bounds, centroids } = this;
    const bestIdx = new Int32Array(G * P);
    const bestDist = new Float64Array(P);
    for (let g = 0; g < G; g++) {
      const start = bounds[g]!;
      const width = bounds[g + 1]! - start;
      const C = centroids[g]!;
      const idx = bestIdx.subarray(g * P, (g + 1) * P);
      let filled = 0;
      for (let c = 0, cb = 0; c < K; c++, cb += width) {
        let d = 0;
        for (let j = 0; j < width; j++) {
          const t = x[start + j]! - C[cb + j]!;
          d += t * t;
        }
        if (filled === P && !(d < bestDist[P - 1]!)) continue;
        // Insertion into the sorted top-P list; equal distances keep the lower index first.
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

  /** Normalises/rotates src[offset..offset+dim) into scratch; returns the array to read at 0.. */
  private prepare(src: Float32Array, offset: number): Float32Array {
    const { dim, model } = this;
    let cur = src;
    let off = offset;
    if (model.metric === 'cosine') {
      l2NormalizeInto(cur, off, dim, this.normed, 0);
      cur = this.normed;
      off = 0;
    }
    if (model.rotation) {
      rotateInto(model.rotation, dim, cur, off, this.rotated, 0);
      return this.rotated;
    }
    if (cur === src) {
      if (offset === 0 && src.length === dim) return src;
      this.normed.set(src.subarray(offset, offset + dim));
      return this.normed;
    }
    return cur;
  }

  private nearest(x: Float32Array, g: number): number {
    const start = this.bounds[g]!;
    const width = this.bounds[g + 1]! - start;
    const C = this.centroids[g]!;
    const K = this.K;
    let best = 0;
    let bestD = Infinity;
    // Four centroids at a time share each coordinate load; each distance still sums in plain j
    // order (bit-identical to the naive loop) and ties still go to the lowest index.
    let c = 0;
    for (; c + 3 < K; c += 4) {
      const b0 = c * width;
      const b1 = b0 + width;
      const b2 = b1 + width;
      const b3 = b2 + width;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < width; j++) {
        const v = x[start + j]!;
        let t = v - C[b0 + j]!;
        d0 += t * t;
        t = v - C[b1 + j]!;
        d1 += t * t;
        t = v - C[b2 + j]!;
        d2 += t * t;
        t = v - C[b3 + j]!;
        d3 += t * t;
      }
      if (d0 < bestD) {
        bestD = d0;
        best = c;
      }
      if (d1 < bestD) {
        bestD = d1;
        best = c + 1;
      }
      if (d2 < bestD) {
        bestD = d2;
        best = c + 2;
      }
      if (d3 < bestD) {
        bestD = d3;
        best = c + 3;
      }
    }
    for (; c < K; c++) {
      const cb = c * width;
      let d = 0;
      for (let j = 0; j < width; j++) {
        const t = x[start + j]! - C[cb + j]!;
        d += t * t;
      }
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    return best;
  }
}
