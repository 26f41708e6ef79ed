import { createRandom, gaussian } from '../../../src/lsh/seeded-random.js';

/** count × dim standard Gaussian vectors from a seeded PRNG. */
export function randomVectors(count: number, dim: number, seed: number): Float32Array {
  const rand = createRandom(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = gaussian(rand);
  return out;
}

/**
 * `perCluster` points around each of `centres` well-separated Gaussian centres (norm ≈ √dim)
 * with noise of standard deviation `noise`. Returns the flat vectors and each point's cluster.
 */
export function clusteredVectors(
  centres: number,
  perCluster: number,
  dim: number,
  noise: number,
  seed: number,
): { vectors: Float32Array; labels: number[]; count: number } {
  const rand = createRandom(seed);
  const c = new Float64Array(centres * dim);
  for (let i = 0; i < c.length; i++) c[i] = gaussian(rand);
  const count = centres * perCluster;
  const vectors = new Float32Array(count * dim);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const k = i % centres;
    labels.push(k);
    for (let j = 0; j < dim; j++) vectors[i * dim + j] = c[k * dim + j]! + noise * gaussian(rand);
  }
  return { vectors, labels, count };
}

export function row(vectors: Float32Array, i: number, dim: number): Float32Array {
  return vectors.subarray(i * dim, (i + 1) * dim);
}

/** popcount of a 32-bit integer. */
function bits(n: number): number {
  let c = 0;
  for (let v = n >>> 0; v !== 0; v &= v - 1) c++;
  return c;
}

/**
 * The n×n Walsh–Hadamard matrix in Sylvester order, H[i][j] = (−1)^popcount(i & j), built
 * directly from its definition (independent of the fast transform under test).
 */
export function hadamardMatrix(n: number): Float64Array {
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = bits(i & j) % 2 ? -1 : 1;
  return h;
}

/**
 * Reference randomized Hadamard rotation in float64 with dense matrix products: zero-pad x to
 * `size`, then per round x ← (H / √size) · diag(signs[r]) · x.
 */
export function referenceRotate(
  rotation: { size: number; signs: ArrayLike<number>[] },
  x: ArrayLike<number>,
): Float64Array {
  const n = rotation.size;
  const h = hadamardMatrix(n);
  let cur = new Float64Array(n);
  for (let j = 0; j < x.length; j++) cur[j] = x[j]!;
  for (const s of rotation.signs) {
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += h[i * n + j]! * s[j]! * cur[j]!;
      next[i] = acc / Math.sqrt(n);
    }
    cur = next;
  }
  return cur;
}
