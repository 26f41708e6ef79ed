import type { LshModel } from './lsh-model.js';
import { validateModel } from './model-validation.js';
import { probeTokenOrder, rankNearestCentroids } from './multi-probe.js';
import {
  KERNEL_BLOCK as BLOCK,
  centroidSquaredNorms,
  nearestCentroid,
  nearestCentroid4,
} from './nearest-centroid-kernels.js';
import { HadamardTransform } from './rotation.js';
import { formatToken } from './tokens.js';
import { inverseNorm } from './vector-math.js';

/**
 * Hashes vectors with a trained LshModel: per subspace, the index of the nearest centroid
 * (squared L2, ties → lowest index) after the model's normalisation and rotation, written as
 * tokens (tokens.ts).
 *
 * Speed (this is the ingest and query hot path):
 * - the nearest-centroid kernels (nearest-centroid-kernels.ts) score argmin_c (‖c‖² − 2·x·c)
 *   with ‖c‖² precomputed: one multiply-add per coordinate;
 * - hashBatchInto prepares four vectors at a time and scores them against four centroids at a
 *   time (register blocking: 8 loads per 16 multiply-adds);
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

  /** Throws a RangeError (validateModel's) if the parts of `model` do not fit together. */
  constructor(model: LshModel) {
    validateModel(model);
    const { dim, rotatedDim, subspaces, clusters, bounds, centroids, rotation } = model;
    const norms: Float64Array[] = [];
    const cbase = new Int32Array(subspaces);
    let total = 0;
    for (let g = 0; g < subspaces; g++) {
      const C = centroids[g]!;
      norms.push(centroidSquaredNorms(C, clusters, bounds[g + 1]! - bounds[g]!));
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
        nearestCentroid4(
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

  /** Tokens of item `index` from a codes array filled by hashBatchInto, in subspace order. */
  codesToTokens(codes: ArrayLike<number>, index: number): string[] {
    const G = this.G;
    const tokens = new Array<string>(G);
    for (let g = 0; g < G; g++) tokens[g] = formatToken(g, codes[index * G + g]!);
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
    const { G, bounds, cbase, norms, blockAt, buf } = this;
    const ranked = new Int32Array(G * P);
    const dist = new Float64Array(P);
    for (let g = 0; g < G; g++) {
      const start = bounds[g]!;
      rankNearestCentroids(
        buf,
        blockAt + start,
        cbase[g]!,
        norms[g]!,
        bounds[g + 1]! - start,
        ranked.subarray(g * P, (g + 1) * P),
        dist,
      );
    }
    return probeTokenOrder(ranked, G, P);
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
      codes[g] = nearestCentroid(
        buf,
        blockAt + start,
        cbase[g]!,
        norms[g]!,
        bounds[g + 1]! - start,
      );
    }
  }
}
