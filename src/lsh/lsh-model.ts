import type { HadamardRotation } from './rotation.js';

export type Metric = 'cosine' | 'euclidean';

export interface LshModelParams {
  /** Vector dimension. */
  dim: number;
  /** Number of contiguous subspaces G (1..dim); one token per subspace. */
  subspaces: number;
  /** Centroids per subspace (≥ 2, ≤ training sample size and distinct vectors). */
  clusters: number;
  /** cosine ⇒ vectors are L2-normalised before rotation/splitting; euclidean ⇒ used as is. */
  metric: Metric;
  /**
   * Apply a seeded randomized Hadamard rotation (a structured random orthogonal transform, see
   * rotation.ts) before splitting into subspaces; vectors are zero-padded to the next power of two.
   */
  rotate: boolean;
  /** Seed for every random choice in training (rotation, subsampling, k-means++). */
  seed: number;
  /** Lloyd iterations on the full sample (default 25). */
  maxIterations?: number;
}

export interface LshModel extends Required<LshModelParams> {
  /**
   * Coordinates the subspaces split: with rotation the next power of two ≥ dim (the rotated,
   * zero-padded vector), otherwise dim. `dim` stays the input vector dimension.
   */
  rotatedDim: number;
  /** subspace offsets over the rotatedDim coordinates, length subspaces+1 */
  bounds: Int32Array;
  /** the randomized Hadamard rotation's sign diagonals; null when rotate=false */
  rotation: HadamardRotation | null;
  /** one per subspace: clusters * width(g), row-major */
  centroids: Float32Array[];
  /** vectors in the training sample */
  trainedOn: number;
}

export const DEFAULT_MAX_ITERATIONS = 25;
/** Codes must fit a Uint16Array. */
export const MAX_CLUSTERS = 65536;
