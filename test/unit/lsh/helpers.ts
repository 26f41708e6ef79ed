import { createRandom, gaussian } from '../../../src/lsh/index.js';

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
