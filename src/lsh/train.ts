import type { LshModel, LshModelParams, Metric } from './lsh-model.js';
import { validateLshParams } from './model-validation.js';
import {
  HadamardTransform,
  nextPowerOfTwo,
  randomHadamardRotation,
  type HadamardRotation,
} from './rotation.js';
import { deriveSeed } from './seeded-random.js';
import { subspaceBounds } from './subspaces.js';
import { inverseNorm, l2NormalizeInto } from './vector-math.js';
import { type SubspaceTask, trainSubspace } from './subspace-kmeans.js';

/**
 * Convergence threshold, relative like scikit-learn's `tol`: k-means stops once no centroid moved
 * (squared distance) more than TOLERANCE × the mean per-coordinate variance of the subspace.
 */
export const TOLERANCE = 1e-4;

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
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
