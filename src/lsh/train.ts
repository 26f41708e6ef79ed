import { kmeans } from 'ml-kmeans';
import type { LshModel, LshModelParams, Metric } from './lsh-model.js';
import { validateLshParams } from './model-validation.js';
import {
  HadamardTransform,
  nextPowerOfTwo,
  randomHadamardRotation,
  type HadamardRotation,
} from './rotation.js';
import { centroidSquaredNorms } from './nearest-centroid-kernels.js';
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
 * distance function answers ml-kmeans's row × centre questions from one blocked nearest-centre
 * pass per iteration (see batchedAssignment).
 */
export function trainSubspace(task: SubspaceTask): Float32Array {
  return clusterSubspace(task).centroids;
}

/** trainSubspace, also telling how many Lloyd iterations ran. */
export function clusterSubspace(task: SubspaceTask): {
  centroids: Float32Array;
  iterations: number;
} {
  const { data, width, count, clusters: K, seedSample, maxIterations } = task;
  const rand = createRandom(task.seed);
  const init = seedCentroids(data, width, count, K, seedSample, rand);

  // The rows, then room for the centres of the current iteration.
  const flat = new Float64Array((count + K) * width);
  flat.set(data);
  const rows = new Array<Float64Array>(count);
  for (let i = 0; i < count; i++) rows[i] = flat.subarray(i * width, (i + 1) * width);
  const initRows = init.map((idx) => Array.from(flat.subarray(idx * width, (idx + 1) * width)));

  const result = kmeans(rows as unknown as number[][], K, {
    initialization: initRows,
    maxIterations,
    tolerance: task.tolerance * meanVariance(flat, count, width),
    distanceFunction: batchedAssignment(flat, count, width, K),
    seed: task.seed,
  });
  if (result.centroids.length !== K) {
    throw new Error(`k-means returned ${result.centroids.length} centroids, expected ${K}`);
  }
  const c = new Float32Array(K * width);
  result.centroids.forEach((centroid, k) => c.set(centroid, k * width));
  return { centroids: c, iterations: result.iterations };
}

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]! - b[j]!;
    d += t * t;
  }
  return d;
}

/**
 * The distance function given to ml-kmeans. Each Lloyd step of ml-kmeans asks, row by row in
 * order, the distance from the row to every centre in order, and keeps the first minimum. The
 * first row's questions are answered exactly, and they show this iteration's centres: they are
 * copied after the rows in `flat`, and every row's nearest centre is then found at once (see
 * NearestCentres). The other rows' questions are answered from that: 0 for the nearest centre,
 * 1 for the others, so ml-kmeans picks exactly that centre. Any other question (its convergence
 * check compares centres), or a centre that is not the one seen for the first row, gets the
 * exact distance.
 */
function batchedAssignment(
  flat: Float64Array,
  count: number,
  width: number,
  K: number,
): (a: number[], b: number[]) => number {
  const rowBytes = width * Float64Array.BYTES_PER_ELEMENT;
  const centres: unknown[] = new Array<unknown>(K);
  const nearest = new NearestCentres(flat, count, width, K);
  const cb = count * width;
  let row = -1;
  let j = 0;
  return (a, b) => {
    const x = a as unknown;
    if (!(x instanceof Float64Array) || x.buffer !== flat.buffer) return squaredDistance(a, b);
    const i = x.byteOffset / rowBytes;
    if (i !== row) {
      row = i;
      j = 0;
    } else {
      j++;
    }
    if (i === 0) {
      centres[j] = b;
      flat.set(b, cb + j * width);
      if (j === K - 1) nearest.update();
      return squaredDistance(a, b);
    }
    if (centres[j] !== b) return squaredDistance(a, b);
    return nearest.codes[i] === j ? 0 : 1;
  };
}

/**
 * Every row's nearest centre, iteration after iteration, by Hamerly's algorithm (G. Hamerly,
 * "Making k-means even faster", SDM 2010): per row an upper bound on the distance to its centre
 * and a lower bound on the distance to any other; when the centres move, the bounds move by at
 * most as much, and a row whose upper bound stays under its lower bound (or under half the
 * distance from its centre to the next one) keeps its centre without a single distance computed.
 * The others are scored against every centre: argmin ‖c‖² − 2·x·c, four centres per pass.
 * Exact: the same assignment as a full search (up to ties between equally near centres).
 */
class NearestCentres {
  readonly codes: Int32Array;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly rowNorms: Float64Array;
  private readonly previous: Float64Array;
  private readonly moved: Float64Array;
  private readonly half: Float64Array;
  private started = false;
  /** Rows waiting to be scored four at a time, and their running best two scores. */
  private readonly pending = new Int32Array(4);
  private readonly e1 = new Float64Array(4);
  private readonly e2 = new Float64Array(4);
  private readonly best = new Int32Array(4);

  constructor(
    private readonly flat: Float64Array,
    private readonly count: number,
    private readonly width: number,
    private readonly K: number,
  ) {
    this.codes = new Int32Array(count);
    this.upper = new Float64Array(count);
    this.lower = new Float64Array(count);
    this.rowNorms = centroidSquaredNorms(flat.subarray(0, count * width), count, width);
    this.previous = new Float64Array(K * width);
    this.moved = new Float64Array(K);
    this.half = new Float64Array(K);
  }

  /** The centres after the rows in `flat` changed: re-assign the rows. */
  update(): void {
    const { flat, count, width, K, codes, upper, lower, moved, half } = this;
    const cb = count * width;
    const centres = flat.subarray(cb, cb + K * width);
    const norms = centroidSquaredNorms(centres, K, width);
    if (!this.started) {
      this.started = true;
      const pending = this.pending;
      let i = 0;
      for (; i + 4 <= count; i += 4) {
        pending[0] = i;
        pending[1] = i + 1;
        pending[2] = i + 2;
        pending[3] = i + 3;
        this.full4(pending, cb, norms);
      }
      for (; i < count; i++) this.full(i, cb, norms);
      this.previous.set(centres);
      return;
    }
    // How far each centre moved, the largest two moves, and half the gap to the next centre.
    let max1 = 0;
    let max2 = 0;
    let maxAt = -1;
    for (let c = 0; c < K; c++) {
      const m = Math.sqrt(distanceAt(centres, c * width, this.previous, c * width, width));
      moved[c] = m;
      if (m > max1) {
        max2 = max1;
        max1 = m;
        maxAt = c;
      } else if (m > max2) {
        max2 = m;
      }
    }
    half.fill(Infinity);
    for (let c = 0; c < K; c++) {
      for (let d = c + 1; d < K; d++) {
        const h = Math.sqrt(distanceAt(centres, c * width, centres, d * width, width)) / 2;
        if (h < half[c]!) half[c] = h;
        if (h < half[d]!) half[d] = h;
      }
    }
    const pending = this.pending;
    let waiting = 0;
    for (let i = 0; i < count; i++) {
      const a = codes[i]!;
      upper[i] = upper[i]! + moved[a]!;
      lower[i] = lower[i]! - (a === maxAt ? max2 : max1);
      const bound = Math.max(half[a]!, lower[i]!);
      if (upper[i]! <= bound) continue;
      upper[i] = Math.sqrt(distanceAt(flat, i * width, flat, cb + a * width, width));
      if (upper[i]! <= bound) continue;
      pending[waiting++] = i;
      if (waiting === 4) {
        this.full4(pending, cb, norms);
        waiting = 0;
      }
    }
    for (let w = 0; w < waiting; w++) this.full(pending[w]!, cb, norms);
    this.previous.set(centres);
  }

  /** full for the four rows in `rows`, two centres per pass over the coordinates. */
  private full4(rows: Int32Array, cb: number, norms: Float64Array): void {
    const { flat, width, K, e1, e2, best } = this;
    const x0 = rows[0]! * width;
    const x1 = rows[1]! * width;
    const x2 = rows[2]! * width;
    const x3 = rows[3]! * width;
    e1.fill(Infinity);
    e2.fill(Infinity);
    best.fill(0);
    let c = 0;
    for (; c + 1 < K; c += 2) {
      const p = cb + c * width;
      const q = p + width;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < width; j++) {
        const u = flat[p + j]!;
        const v = flat[q + j]!;
        const y0 = flat[x0 + j]!;
        const y1 = flat[x1 + j]!;
        const y2 = flat[x2 + j]!;
        const y3 = flat[x3 + j]!;
        a0 += y0 * u;
        a1 += y1 * u;
        a2 += y2 * u;
        a3 += y3 * u;
        b0 += y0 * v;
        b1 += y1 * v;
        b2 += y2 * v;
        b3 += y3 * v;
      }
      const nc = norms[c]!;
      const nd = norms[c + 1]!;
      this.consider(0, nc - 2 * a0, c);
      this.consider(1, nc - 2 * a1, c);
      this.consider(2, nc - 2 * a2, c);
      this.consider(3, nc - 2 * a3, c);
      this.consider(0, nd - 2 * b0, c + 1);
      this.consider(1, nd - 2 * b1, c + 1);
      this.consider(2, nd - 2 * b2, c + 1);
      this.consider(3, nd - 2 * b3, c + 1);
    }
    for (; c < K; c++) {
      const p = cb + c * width;
      for (let r = 0; r < 4; r++) {
        const xo = rows[r]! * width;
        let d = 0;
        for (let j = 0; j < width; j++) d += flat[xo + j]! * flat[p + j]!;
        this.consider(r, norms[c]! - 2 * d, c);
      }
    }
    for (let r = 0; r < 4; r++) {
      const i = rows[r]!;
      const xn = this.rowNorms[i]!;
      this.codes[i] = best[r]!;
      this.upper[i] = Math.sqrt(Math.max(0, xn + e1[r]!));
      this.lower[i] = Math.sqrt(Math.max(0, xn + e2[r]!));
    }
  }

  private consider(r: number, t: number, c: number): void {
    const { e1, e2, best } = this;
    if (t < e1[r]!) {
      e2[r] = e1[r]!;
      e1[r] = t;
      best[r] = c;
    } else if (t < e2[r]!) {
      e2[r] = t;
    }
  }

  /** Scores row i against every centre: its nearest, and both bounds exact. */
  private full(i: number, cb: number, norms: Float64Array): void {
    const { flat, width, K } = this;
    const xo = i * width;
    let best = 0;
    let e1 = Infinity;
    let e2 = Infinity;
    let c = 0;
    for (; c + 3 < K; c += 4) {
      const b0 = cb + c * width;
      const b1 = b0 + width;
      const b2 = b1 + width;
      const b3 = b2 + width;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < width; j++) {
        const v = flat[xo + j]!;
        d0 += v * flat[b0 + j]!;
        d1 += v * flat[b1 + j]!;
        d2 += v * flat[b2 + j]!;
        d3 += v * flat[b3 + j]!;
      }
      const t0 = norms[c]! - 2 * d0;
      const t1 = norms[c + 1]! - 2 * d1;
      const t2 = norms[c + 2]! - 2 * d2;
      const t3 = norms[c + 3]! - 2 * d3;
      if (t0 < e1) {
        e2 = e1;
        e1 = t0;
        best = c;
      } else if (t0 < e2) e2 = t0;
      if (t1 < e1) {
        e2 = e1;
        e1 = t1;
        best = c + 1;
      } else if (t1 < e2) e2 = t1;
      if (t2 < e1) {
        e2 = e1;
        e1 = t2;
        best = c + 2;
      } else if (t2 < e2) e2 = t2;
      if (t3 < e1) {
        e2 = e1;
        e1 = t3;
        best = c + 3;
      } else if (t3 < e2) e2 = t3;
    }
    for (; c < K; c++) {
      let d = 0;
      const b = cb + c * width;
      for (let j = 0; j < width; j++) d += flat[xo + j]! * flat[b + j]!;
      const t = norms[c]! - 2 * d;
      if (t < e1) {
        e2 = e1;
        e1 = t;
        best = c;
      } else if (t < e2) e2 = t;
    }
    const xn = this.rowNorms[i]!;
    this.codes[i] = best;
    this.upper[i] = Math.sqrt(Math.max(0, xn + e1));
    this.lower[i] = Math.sqrt(Math.max(0, xn + e2));
  }
}

function distanceAt(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  width: number,
): number {
  let d = 0;
  for (let j = 0; j < width; j++) {
    const t = a[ao + j]! - b[bo + j]!;
    d += t * t;
  }
  return d;
}

/** The k-means++ centres trainSubspace starts from (clusters × width), for comparisons. */
export function initialCentroids(task: SubspaceTask): Float32Array {
  const { data, width, count, clusters: K, seedSample } = task;
  const init = seedCentroids(data, width, count, K, seedSample, createRandom(task.seed));
  const out = new Float32Array(K * width);
  init.forEach((idx, k) => out.set(data.subarray(idx * width, (idx + 1) * width), k * width));
  return out;
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
