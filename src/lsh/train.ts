import { kmeans } from 'ml-kmeans';
import type { LshModel, LshModelParams, Metric } from './lsh-model.js';
import { validateLshParams } from './model-validation.js';
import {
  HadamardTransform,
  nextPowerOfTwo,
  randomHadamardRotation,
  type HadamardRotation,
} from './rotation.js';
import { createRandom, deriveSeed } from './seeded-random.js';
import { subspaceBounds } from './subspaces.js';
import { inverseNorm, l2NormalizeInto } from './vector-math.js';

/** Convergence threshold on the squared movement of each centroid between Lloyd iterations. */
const TOLERANCE = 1e-6;

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
}

/**
 * Trains a product-quantisation style LSH model: per subspace, k-means centroids.
 *
 * `vectors` is a flat row-major count×dim array. With metric `cosine` each vector is
 * L2-normalised first; with `rotate` it is then zero-padded to rotatedDim (the next power of two)
 * and rotated by a seeded randomized Hadamard transform (rotation.ts), exactly as LshHasher does.
 * The rotatedDim coordinates are split into subspaces; each subspace is clustered with k-means
 * (`ml-kmeans`), initialised by k-means++ on a seeded subsample and refined by at most
 * `maxIterations` Lloyd iterations on the full sample.
 * Deterministic: same vectors and params ⇒ bit-identical model.
 */
export function trainLshModel(
  vectors: Float32Array,
  count: number,
  params: LshModelParams,
): LshModel {
  const p = validateLshParams(params);
  const { dim, subspaces, clusters: K, metric, rotate, seed, maxIterations } = p;
  if (!isInt(count) || count < 1) {
    throw new RangeError(`count must be a positive integer, got ${String(count)}`);
  }
  if (vectors.length !== count * dim) {
    throw new RangeError(
      `vectors has ${vectors.length} values but count × dim = ${count} × ${dim} = ${count * dim}; ` +
        `check that the model dim matches the embedding size` +
        (vectors.length % dim === 0 ? '' : ` (${vectors.length} is not a multiple of ${dim})`),
    );
  }
  if (K > count) {
    throw new RangeError(
      `clusters (${K}) exceeds the training sample size (${count} vectors); ` +
        `lower clusters to at most ${count} or train on more vectors`,
    );
  }
  for (let i = 0; i < vectors.length; i++) {
    if (!Number.isFinite(vectors[i]!)) {
      throw new RangeError(
        `training vector ${Math.floor(i / dim)} has a non-finite value (${vectors[i]}) ` +
          `at coordinate ${i % dim}`,
      );
    }
  }

  const rotation = rotate ? randomHadamardRotation(dim, deriveSeed(seed, 0)) : null;
  const rotatedDim = rotate ? nextPowerOfTwo(dim) : dim;
  const bounds = subspaceBounds(rotatedDim, subspaces);
  const prepared = prepareVectors(vectors, count, dim, metric, rotation);

  const distinct = countDistinctRows(prepared, count, rotatedDim, K);
  if (distinct < K) {
    throw new RangeError(
      `the training sample has only ${distinct} distinct vectors` +
        (metric === 'cosine' ? ' (after L2 normalisation)' : '') +
        ` but clusters = ${K}; lower clusters to at most ${distinct} or train on more varied vectors`,
    );
  }

  const sampleSize = Math.min(count, Math.max(20 * K, 2000));
  const centroids: Float32Array[] = [];
  for (let g = 0; g < subspaces; g++) {
    const start = bounds[g]!;
    const width = bounds[g + 1]! - start;
    const sub = new Float32Array(count * width);
    for (let i = 0; i < count; i++) {
      const off = i * rotatedDim + start;
      sub.set(prepared.subarray(off, off + width), i * width);
    }
    const rand = createRandom(deriveSeed(seed, g + 1));
    const init = seedCentroids(sub, width, count, K, sampleSize, rand);

    const rows: number[][] = new Array<number[]>(count);
    for (let i = 0; i < count; i++) rows[i] = Array.from(sub.subarray(i * width, (i + 1) * width));
    const initRows: number[][] = [];
    for (const idx of init) initRows.push(Array.from(sub.subarray(idx * width, (idx + 1) * width)));

    const result = kmeans(rows, K, {
      initialization: initRows,
      maxIterations,
      tolerance: TOLERANCE,
      seed: deriveSeed(seed, g + 1),
    });
    if (result.centroids.length !== K) {
      throw new Error(`k-means returned ${result.centroids.length} centroids, expected ${K}`);
    }
    const c = new Float32Array(K * width);
    result.centroids.forEach((centroid, k) => c.set(centroid, k * width));
    centroids.push(c);
  }

  return { ...p, rotatedDim, bounds, rotation, centroids, trainedOn: count };
}

/**
 * Every vector as LshHasher sees it before the centroid search (rounded to float32), into a new
 * count × rotatedDim array: normalised (cosine), then zero-padded and rotated (if a rotation is
 * given).
 */
function prepareVectors(
  vectors: Float32Array,
  count: number,
  dim: number,
  metric: Metric,
  rotation: HadamardRotation | null,
): Float32Array {
  if (!rotation) {
    const out = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const off = i * dim;
      if (metric === 'cosine') l2NormalizeInto(vectors, off, dim, out, off);
      else out.set(vectors.subarray(off, off + dim), off);
    }
    return out;
  }
  const transform = new HadamardTransform(rotation, dim);
  const D = transform.size;
  const out = new Float32Array(count * D);
  const tmp = new Float64Array(D);
  for (let i = 0; i < count; i++) {
    const scale = metric === 'cosine' ? inverseNorm(vectors, i * dim, dim) : 1;
    transform.apply(vectors, i * dim, scale, tmp, 0);
    out.set(tmp, i * D);
  }
  return out;
}

/** Number of distinct rows (by value), counting stops as soon as `limit` is reached. */
function countDistinctRows(data: Float32Array, count: number, dim: number, limit: number): number {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const buckets = new Map<number, number[]>();
  let distinct = 0;
  for (let i = 0; i < count && distinct < limit; i++) {
    const off = i * dim;
    let h = 0x811c9dc5;
    for (let j = 0; j < dim; j++) {
      // +0 and -0 are the same point.
      const word = data[off + j] === 0 ? 0 : bits[off + j]!;
      h = Math.imul(h ^ word, 0x01000193);
    }
    const bucket = buckets.get(h);
    if (!bucket) {
      buckets.set(h, [i]);
      distinct++;
      continue;
    }
    const same = bucket.some((other) => {
      const o = other * dim;
      for (let j = 0; j < dim; j++) if (data[o + j] !== data[off + j]) return false;
      return true;
    });
    if (!same) {
      bucket.push(i);
      distinct++;
    }
  }
  return distinct;
}

/**
 * Initial centroid indices by k-means++ on a seeded subsample; falls back to the full sample when
 * the subsample has fewer than K distinct points. A subspace whose full sample still has fewer
 * than K distinct sub-vectors (e.g. always-zero coordinates without rotation) gets duplicate
 * centroids: nearest-centroid ties go to the lowest index, so duplicates are simply never chosen.
 */
function seedCentroids(
  sub: Float32Array,
  width: number,
  count: number,
  K: number,
  sampleSize: number,
  rand: () => number,
): number[] {
  const all = new Int32Array(count);
  for (let i = 0; i < count; i++) all[i] = i;
  let candidates = all;
  if (sampleSize < count) {
    // Partial Fisher–Yates: the first sampleSize entries become a uniform random subsample.
    const perm = all.slice();
    for (let i = 0; i < sampleSize; i++) {
      const j = i + Math.floor(rand() * (count - i));
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    candidates = perm.subarray(0, sampleSize);
  }
  let chosen = kmeansPlusPlus(sub, width, candidates, K, rand);
  if (chosen.length < K && candidates !== all) chosen = kmeansPlusPlus(sub, width, all, K, rand);
  for (let k = 0; chosen.length < K; k++) chosen.push(chosen[k % chosen.length]!);
  return chosen;
}

/**
 * k-means++ seeding (Arthur & Vassilvitskii): each next centre is drawn with probability
 * proportional to its squared distance to the nearest centre chosen so far. Never picks a point
 * equal to an already chosen centre; returns fewer than K indices if there are not enough
 * distinct points.
 */
export function kmeansPlusPlus(
  data: Float32Array,
  width: number,
  candidates: Int32Array,
  K: number,
  rand: () => number,
): number[] {
  const n = candidates.length;
  const d2 = new Float64Array(n);
  const chosen: number[] = [];
  let centre = candidates[Math.floor(rand() * n)]!;
  chosen.push(centre);
  for (let i = 0; i < n; i++) d2[i] = Infinity;
  while (true) {
    const c = centre * width;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const p = candidates[i]! * width;
      let d = 0;
      for (let j = 0; j < width; j++) {
        const t = data[p + j]! - data[c + j]!;
        d += t * t;
      }
      if (d < d2[i]!) d2[i] = d;
      total += d2[i]!;
    }
    if (chosen.length >= K || !(total > 0)) break;
    const r = rand() * total;
    let acc = 0;
    let pick = -1;
    for (let i = 0; i < n; i++) {
      const d = d2[i]!;
      if (d === 0) continue;
      pick = i;
      acc += d;
      if (acc > r) break;
    }
    centre = candidates[pick]!;
    chosen.push(centre);
  }
  return chosen;
}
