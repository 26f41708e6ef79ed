import { kmeans } from 'ml-kmeans';
import { batchedAssignment } from './nearest-centre-pass.js';
import { createRandom } from './seeded-random.js';

/*
 * k-means for one subspace of a training run: k-means++ seeding on a subsample, then
 * `ml-kmeans`'s Lloyd iterations with a distance function that answers from one blocked
 * nearest-centre pass per iteration. Pure: no I/O, typed arrays in and out (a worker runs it).
 */

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
    distanceFunction: batchedAssignment(rows, flat, width, K),
    seed: task.seed,
  });
  if (result.centroids.length !== K) {
    throw new Error(`k-means returned ${result.centroids.length} centroids, expected ${K}`);
  }
  const c = new Float32Array(K * width);
  result.centroids.forEach((centroid, k) => c.set(centroid, k * width));
  return { centroids: c, iterations: result.iterations };
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
 *
 * A point is not measured against a new centre when the triangle inequality already shows that
 * centre no nearer than the point's nearest one (the new centre is more than twice as far from
 * that one, with a relative margin far above rounding): its distance could not lower d², so the
 * draws are the same as with every distance measured.
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
  /** √d2, and which chosen centre gave it. */
  const near = new Float64Array(n);
  const owner = new Int32Array(n).fill(-1);
  /** Distance from the newest centre to each chosen one. */
  const apart = new Float64Array(K);
  const measure = new Int32Array(n);
  const measured = new Float64Array(n);
  const chosen: number[] = [];
  let centre = candidates[Math.floor(rand() * n)]!;
  chosen.push(centre);
  for (let i = 0; i < n; i++) d2[i] = Infinity;
  while (true) {
    const c = centre * width;
    const newest = chosen.length - 1;
    for (let k = 0; k < newest; k++) {
      apart[k] = Math.sqrt(squaredDistanceF32(data, c, chosen[k]! * width, width));
    }
    // The points to measure, then their distances four at a time.
    let m = 0;
    for (let i = 0; i < n; i++) {
      const o = owner[i]!;
      if (o < 0 || apart[o]! <= 2 * near[i]! * (1 + 1e-9)) measure[m++] = i;
    }
    let k = 0;
    for (; k + 4 <= m; k += 4) {
      const p0 = candidates[measure[k]!]! * width;
      const p1 = candidates[measure[k + 1]!]! * width;
      const p2 = candidates[measure[k + 2]!]! * width;
      const p3 = candidates[measure[k + 3]!]! * width;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < width; j++) {
        const v = data[c + j]!;
        const t0 = data[p0 + j]! - v;
        const t1 = data[p1 + j]! - v;
        const t2 = data[p2 + j]! - v;
        const t3 = data[p3 + j]! - v;
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
      }
      measured[k] = s0;
      measured[k + 1] = s1;
      measured[k + 2] = s2;
      measured[k + 3] = s3;
    }
    for (; k < m; k++) {
      measured[k] = squaredDistanceF32(data, candidates[measure[k]!]! * width, c, width);
    }
    for (k = 0; k < m; k++) {
      const i = measure[k]!;
      const d = measured[k]!;
      if (d < d2[i]!) {
        d2[i] = d;
        near[i] = Math.sqrt(d);
        owner[i] = newest;
      }
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i]!;
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

/** Σ (data[p + j] − data[c + j])² over j < width, in float64. */
function squaredDistanceF32(data: Float32Array, p: number, c: number, width: number): number {
  let d = 0;
  for (let j = 0; j < width; j++) {
    const t = data[p + j]! - data[c + j]!;
    d += t * t;
  }
  return d;
}
