import { nextPowerOfTwo } from './rotation.js';

/** Training vectors per cluster the default keeps at least (k-means needs a few per centre). */
export const MIN_VECTORS_PER_CLUSTER = 32;

/**
 * The number of clusters per subspace when the caller names none, chosen by the benchmarks
 * (docs/benchmarks.md): as many as allowed, because more clusters make each token rarer and a
 * query cheaper (256 on a 10,000-vector sample: every token is held by ~0.4 % of items), but
 *  - at most one per MIN_VECTORS_PER_CLUSTER training vectors, and
 *  - at most 2^d for d-dimensional subspaces: in a low-dimensional slice, many cells put close
 *    neighbours on different sides of a boundary (scikit-learn's digits, 4-d slices: recall@10
 *    0.74 with 256 clusters, 0.96 with 16).
 * A power of two, at least 2, at most `maxClusters` and the sample size.
 */
export function defaultClusters(
  sampleCount: number,
  subspaceDim: number,
  maxClusters: number,
): number {
  const bySample = floorPowerOfTwo(Math.max(1, Math.floor(sampleCount / MIN_VECTORS_PER_CLUSTER)));
  const byDim = subspaceDim >= 30 ? Number.POSITIVE_INFINITY : 2 ** Math.max(1, subspaceDim);
  return Math.max(2, Math.min(maxClusters, bySample, byDim, sampleCount));
}

/** Width of the narrowest subspace the model will split `dim`-d vectors into. */
export function subspaceWidth(dim: number, subspaces: number, rotate: boolean): number {
  const effective = rotate ? nextPowerOfTwo(dim) : dim;
  return Math.floor(effective / subspaces);
}

function floorPowerOfTwo(n: number): number {
  const p = nextPowerOfTwo(n);
  return p === n ? p : p / 2;
}
