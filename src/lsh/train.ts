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

/**
 * Convergence threshold, relative like scikit-learn's `tol`: k-means stops once no centroid moved
 * (squared distance) more than TOLERANCE × the mean per-coordinate variance of the subspace.
 */
export const TOLERANCE = 1e-4;

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
}

/** One subspace's k-means problem: everything trainSubspace needs, all of it transferable. */
export interface SubspaceTask {
  /** count × width sub-vectors, row-major. */
  data: Float32Array;
  width: number;
  count: number;
  clusters: number;
  /** k-means++ draws its centres from a seeded subsample of this many rows. */
  seedSample: number;
  seed: number;
  maxIterations: number;
  /** Relative tolerance (see TOLERANCE). */
  tolerance: number;
}

/** A validated training run split into independent subspace tasks (see trainLshModel). */
export interface PreparedTraining {
  params: Required<LshModelParams>;
  count: number;
  rotatedDim: number;
  bounds: Int32Array;
  rotation: HadamardRotation | null;
  tasks: SubspaceTask[];
}

/**
 * Trains a product-quantisation style LSH model: per subspace, k-means centroids.
 *
 * `vectors` is a flat row-major count×dim array. With metric `cosine` each vector is
 * L2-normalised first; with `rotate` it is then zero-padded to rotatedDim (the next power of two)
 * and rotated by a seeded randomized Hadamard transform (rotation.ts), exactly as LshHasher does.
 * The rotatedDim coordinates are split into subspaces; each subspace is clustered with k-means
 * (`ml-kmeans`), initialised by k-means++ on a seeded subsample and refined by at most
 * `maxIterations` Lloyd iterations on the full sample, stopping early on convergence.
 * Deterministic: same vectors and params ⇒ bit-identical model.
 *
 * The same steps, split so that the subspaces can run in parallel elsewhere:
 * prepareTraining → trainSubspace per task → assembleModel.
 */
export function trainLshModel(
  vectors: Float32Array,
  count: number,
  params: LshModelParams,
): LshModel {
  const prepared = prepareTraining(vectors, count, params);
  return assembleModel(prepared, prepared.tasks.map(trainSubspace));
}

/** Validates the input, prepares the vectors and cuts them into one task per subspace. */
export function prepareTraining(
  vectors: Float32Array,
  count: number,
  params: LshModelParams,
): PreparedTraining {
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

  const seedSample = Math.min(count, Math.max(20 * K, 2000));
  const tasks: SubspaceTask[] = [];
  for (let g = 0; g < subspaces; g++) {
    const start = bounds[g]!;
    const width = bounds[g + 1]! - start;
    const data = new Float32Array(count * width);
    for (let i = 0; i < count; i++) {
      const off = i * rotatedDim + start;
      data.set(prepared.subarray(off, off + width), i * width);
    }
    tasks.push({
      data,
      width,
      count,
      clusters: K,
      seedSample,
      seed: deriveSeed(seed, g + 1),
      maxIterations,
      tolerance: TOLERANCE,
    });
  }
  return { params: p, count, rotatedDim, bounds, rotation, tasks };
}

/** The model from a prepared run and the centroids of each of its tasks, in task order. */
export function assembleModel(prepared: PreparedTraining, centroids: Float32Array[]): LshModel {
  const { params, tasks } = prepared;
  if (centroids.length !== tasks.length) {
    throw new Error(`expected centroids for ${tasks.length} subspaces, got ${centroids.length}`);
  }
  centroids.forEach((c, g) => {
    const expected = params.clusters * tasks[g]!.width;
    if (c.length !== expected) {
      throw new Error(`subspace ${g}: ${c.length} centroid values, expected ${expected}`);
    }
  });
  return {
    ...params,
    rotatedDim: prepared.rotatedDim,
    bounds: prepared.bounds,
    rotation: prepared.rotation,
    centroids,
    trainedOn: prepared.count,
  };
}

/**
 * k-means for one subspace with `ml-kmeans`: k-means++ centres from a seeded subsample, then
 * Lloyd iterations on every row until no centroid moves more than the tolerance or
 * maxIterations is reached. Rows are views of one Float64Array (no per-row copies), and the
 * distance is a squared Euclidean distance that gives up on a centre as soon as its partial sum
 * can no longer beat the nearest centre found so far for the same row (exact: the nearest centre
 * always gets its full distance).
 */
export function trainSubspace(task: SubspaceTask): Float32Array {
  const { data, width, count, clusters: K, seedSample, maxIterations } = task;
  const rand = createRandom(task.seed);
  const init = seedCentroids(data, width, count, K, seedSample, rand);

  const flat = Float64Array.from(data);
  const rows = new Array<Float64Array>(count);
  for (let i = 0; i < count; i++) rows[i] = flat.subarray(i * width, (i + 1) * width);
  const initRows = init.map((idx) => Array.from(flat.subarray(idx * width, (idx + 1) * width)));

  const result = kmeans(rows as unknown as number[][], K, {
    initialization: initRows,
    maxIterations,
    tolerance: task.tolerance * meanVariance(flat, count, width),
    distanceFunction: pruningSquaredEuclidean(),
    seed: task.seed,
  });
  if (result.centroids.length !== K) {
    throw new Error(`k-means returned ${result.centroids.length} centroids, expected ${K}`);
  }
  const c = new Float32Array(K * width);
  result.centroids.forEach((centroid, k) => c.set(centroid, k * width));
  return c;
}

/** Mean over coordinates of each coordinate's variance (scikit-learn scales `tol` by it). */
function meanVariance(flat: Float64Array, count: number, width: number): number {
  let total = 0;
  for (let j = 0; j < width; j++) {
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < count; i++) {
      const v = flat[i * width + j]!;
      sum += v;
      sq += v * v;
    }
    const mean = sum / count;
    total += Math.max(0, sq / count - mean * mean);
  }
  return total / width;
}

/**
 * Squared Euclidean distance for ml-kmeans with partial-distance pruning. ml-kmeans finds a row's
 * nearest centre by calling the distance with the same row against every centre in turn (and a
 * strict `<` keeps the first minimum); while the row stays the same, a centre whose partial sum
 * already reaches the best full distance seen for that row is abandoned and that partial sum
 * (≥ the best, so never chosen) returned. A call with another first argument starts afresh, so
 * every other use (convergence checks) gets exact distances.
 */
function pruningSquaredEuclidean(): (a: number[], b: number[]) => number {
  let row: unknown = null;
  let best = Infinity;
  return (a, b) => {
    if (a !== row) {
      row = a;
      best = Infinity;
    }
    const n = a.length;
    let d = 0;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const t0 = a[j]! - b[j]!;
      const t1 = a[j + 1]! - b[j + 1]!;
      const t2 = a[j + 2]! - b[j + 2]!;
      const t3 = a[j + 3]! - b[j + 3]!;
      const t4 = a[j + 4]! - b[j + 4]!;
      const t5 = a[j + 5]! - b[j + 5]!;
      const t6 = a[j + 6]! - b[j + 6]!;
      const t7 = a[j + 7]! - b[j + 7]!;
      d += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3 + t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7;
      if (d >= best) return d;
    }
    for (; j < n; j++) {
      const t = a[j]! - b[j]!;
      d += t * t;
    }
    if (d < best) best = d;
    return d;
  };
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
