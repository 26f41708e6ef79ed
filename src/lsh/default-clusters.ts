import { nextPowerOfTwo } from './rotation.js';

/** Training vectors per cluster the default keeps at least (k-means needs a few per centre). */
export const MIN_VECTORS_PER_CLUSTER = 32;

/**
 * The number of clusters per subspace when the caller names none, chosen by the benchmarks
 * (docs/benchmarks.md): as many as allowed, because more clusters make each token rarer and a
 * query cheaper (256 on a 10,000-vector sample: every token is held by ~0.4 % of items), but
 *  - at most one per MIN_VECTORS_PER_CLUSTER training vectors, and
 *  - at most 2^(d-1) for d-dimensional subspaces (d < 30): in a low-dimensional slice, many
 *    cells put close neighbours on different sides of a boundary, and a query's true neighbours
 *    fall outside its token match (scikit-learn's digits, 4-d slices: recall@10 0.74 with 256
 *    clusters, 0.96 with 16). On the two-modality load (docs/benchmarks.md, 8-d slices for both
 *    models) fused recall@10 was 0.969 with 256 clusters, 0.993 with 128 (6,381 candidates,
 *    ~23 ms CPU/req), 1.000 with 64 and 32 (10,843 and 18,315 candidates, ~40 ms): 128 = 2^(8-1)
 *    is the fewest candidates that keeps recall ≥ 0.99.
 * A power of two, at least 2, at most `maxClusters` and the sample size.
 */
export function defaultClusters(
  sampleCount: number,
  subspaceDim: number,
  maxClusters: number,
): number {
  const bySample = floorPowerOfTwo(Math.max(1, Math.floor(sampleCount / MIN_VECTORS_PER_CLUSTER)));
  const byDim = subspaceDim >= 30 ? Number.POSITIVE_INFINITY : 2 ** Math.max(1, subspaceDim - 1);
  return Math.max(2, Math.min(maxClusters, bySample, byDim, sampleCount));
}

/**
 * The narrowest subspace the default model shape cuts: in slices of fewer dimensions, each of
 * the few cells a slice allows (at most 2^(d-1), see `defaultClusters`) holds a large share of
 * the items, so a token selects little and the token match admits nearly every item (a 64-d
 * vector in 16 slices of 4 with 16 clusters: each token held by ~1/16 of the items).
 */
export const MIN_SUBSPACE_WIDTH = 8;

/**
 * The number of subspaces when the caller names none: `maxSubspaces` (LSHQL_SUBSPACES), but
 * never so many that a subspace is narrower than MIN_SUBSPACE_WIDTH dimensions (measured on the
 * rotated, padded width), at least 1 and at most `dim`. 128-d or wider vectors keep 16; 64-d
 * (and 48-d, padded to 64 by the rotation) get 8 subspaces of 8.
 */
export function defaultSubspaces(dim: number, maxSubspaces: number, rotate: boolean): number {
  const effective = rotate ? nextPowerOfTwo(dim) : dim;
  const byWidth = Math.max(1, Math.floor(effective / MIN_SUBSPACE_WIDTH));
  return Math.max(1, Math.min(maxSubspaces, dim, byWidth));
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
