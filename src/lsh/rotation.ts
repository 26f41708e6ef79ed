import { createRandom, gaussian } from './seeded-random.js';

/**
 * A random orthogonal dim×dim matrix (row-major): Gaussian entries orthonormalised row by row with
 * modified Gram–Schmidt in float64, then stored as float32. Deterministic for a given seed.
 * Rotating vectors by it before splitting into subspaces spreads information evenly over the
 * subspaces (e.g. always-blank pixels no longer form whole uninformative subspaces).
 */
export function randomOrthogonalMatrix(dim: number, seed: number): Float32Array {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`dim must be a positive integer, got ${dim}`);
  }
  const rand = createRandom(seed);
  const q = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const row = i * dim;
    // A fresh Gaussian row is linearly independent of the previous ones with probability 1; the
    // loop only retries in the (practically impossible) degenerate case.
    for (let attempt = 0; ; attempt++) {
      for (let j = 0; j < dim; j++) q[row + j] = gaussian(rand);
      for (let k = 0; k < i; k++) {
        const other = k * dim;
        let proj = 0;
        for (let j = 0; j < dim; j++) proj += q[row + j]! * q[other + j]!;
        for (let j = 0; j < dim; j++) q[row + j] = q[row + j]! - proj * q[other + j]!;
      }
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += q[row + j]! * q[row + j]!;
      const norm = Math.sqrt(sum);
      if (norm > 1e-8) {
        const inv = 1 / norm;
        for (let j = 0; j < dim; j++) q[row + j] = q[row + j]! * inv;
        break;
      }
      if (attempt > 100) throw new Error('could not build an orthogonal matrix');
    }
  }
  return Float32Array.from(q);
}

/**
 * out[outOffset + i] = Σ_j matrix[i*dim + j] · src[srcOffset + j]. `out` must not overlap the
 * source slice.
 */
export function rotateInto(
  matrix: Float32Array,
  dim: number,
  src: Float32Array,
  srcOffset: number,
  out: Float32Array,
  outOffset: number,
): void {
  // Four rows at a time share each source load; every row still sums in plain j order, so the
  // result is bit-identical to the naive loop.
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    const r0 = i * dim;
    const r1 = r0 + dim;
    const r2 = r1 + dim;
    const r3 = r2 + dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < dim; j++) {
      const v = src[srcOffset + j]!;
      s0 += matrix[r0 + j]! * v;
      s1 += matrix[r1 + j]! * v;
      s2 += matrix[r2 + j]! * v;
      s3 += matrix[r3 + j]! * v;
    }
    out[outOffset + i] = s0;
    out[outOffset + i + 1] = s1;
    out[outOffset + i + 2] = s2;
    out[outOffset + i + 3] = s3;
  }
  for (; i < dim; i++) {
    const row = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += matrix[row + j]! * src[srcOffset + j]!;
    out[outOffset + i] = s;
  }
}
