import { describe, it, expect } from 'vitest';
import {
  KERNEL_BLOCK,
  centroidSquaredNorms,
  nearestCentroid,
  nearestCentroid4,
} from '../../../src/lsh/nearest-centroid-kernels.js';
import { randomVectors } from './helpers.js';

/**
 * The straightforward nearest-centroid search the kernels unroll: per centroid, ‖c‖² and v·c
 * summed in coordinate order, score ‖c‖² − 2·v·c, the first minimum wins.
 */
function referenceNearest(v: ArrayLike<number>, centroids: ArrayLike<number>, K: number): number {
  const width = v.length;
  let best = 0;
  let bestScore = Infinity;
  for (let c = 0; c < K; c++) {
    let norm = 0;
    let dot = 0;
    for (let j = 0; j < width; j++) {
      const cj = centroids[c * width + j]!;
      norm += cj * cj;
      dot += v[j]! * cj;
    }
    const score = norm - 2 * dot;
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

function squaredDistance(
  v: ArrayLike<number>,
  centroids: ArrayLike<number>,
  c: number,
  width: number,
): number {
  let d = 0;
  for (let j = 0; j < width; j++) d += (v[j]! - centroids[c * width + j]!) ** 2;
  return d;
}

/**
 * The kernels' memory layout: `pad` unused values, the K centroids, then `count` vectors `stride`
 * apart (stride > width, so a kernel reading past its slice would see other vectors' values).
 */
function layout(centroids: Float32Array, vectors: Float32Array[], stride: number, pad = 3) {
  const x = new Float64Array(pad + centroids.length + vectors.length * stride).fill(Number.NaN);
  x.set(centroids, pad);
  const xo = pad + centroids.length;
  vectors.forEach((v, a) => x.set(v, xo + a * stride));
  return { x, cb: pad, xo };
}

const WIDTHS = [1, 2, 3, 5, 8, 13];
// Multiples of 4 and 8 and every remainder of the 8- and 4-centroid unrolling.
const CLUSTERS = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 23, 31, 64];

describe('nearest-centroid kernels', () => {
  it('centroidSquaredNorms sums each row in coordinate order', () => {
    const c = Float32Array.from([1, 2, 3, -1, 0.5, 0, 0, 0, 2]);
    expect(Array.from(centroidSquaredNorms(c, 3, 3))).toEqual([14, 1.25, 4]);
  });

  let seed = 100;
  for (const width of WIDTHS) {
    for (const K of CLUSTERS) {
      it(`give the reference codes on random data (width ${width}, ${K} clusters)`, () => {
        seed++;
        const centroids = randomVectors(K, width, seed);
        // Each vector near one of the centroids (in turn), so that the codes are spread.
        const noise = randomVectors(40, width, seed + 5000);
        const vectors = Array.from({ length: 40 }, (_, i) => {
          const near = i % K;
          return Float32Array.from({ length: width }, (_, j) => {
            return centroids[near * width + j]! + 0.7 * noise[i * width + j]!;
          });
        });
        const expected = vectors.map((v) => referenceNearest(v, centroids, K));
        const stride = width + 2;
        const { x, cb, xo } = layout(centroids, vectors, stride);
        const norms = centroidSquaredNorms(centroids, K, width);

        const one = vectors.map((_, a) => nearestCentroid(x, xo + a * stride, cb, norms, width));
        expect(one).toEqual(expected);

        // Four vectors at a time, codes written with an offset and a stride of 3.
        const four: number[] = [];
        for (let a = 0; a < vectors.length; a += KERNEL_BLOCK) {
          const codes = new Int32Array(1 + 3 * KERNEL_BLOCK).fill(-1);
          nearestCentroid4(x, xo + a * stride, stride, cb, norms, width, codes, 1, 3);
          for (let b = 0; b < KERNEL_BLOCK; b++) four.push(codes[1 + 3 * b]!);
          // Nothing but the four code slots is written.
          expect(Array.from(codes).filter((_, i) => i % 3 !== 1)).toEqual(
            new Array<number>(codes.length - KERNEL_BLOCK).fill(-1),
          );
        }
        expect(four).toEqual(expected);

        // The reference is the nearest centroid by squared distance, up to rounding.
        vectors.forEach((v, a) => {
          const got = squaredDistance(v, centroids, expected[a]!, width);
          for (let c = 0; c < K; c++) {
            expect(got).toBeLessThanOrEqual(squaredDistance(v, centroids, c, width) + 1e-9);
          }
        });
        // Not vacuous: the vectors are spread over several centroids.
        expect(new Set(expected).size).toBeGreaterThan(Math.min(K, 8) / 2);
      });
    }
  }

  it('break exact ties towards the lowest index wherever the tied centroids sit', () => {
    // K = 19: two blocks of 8 and a remainder of 3 in nearestCentroid, four blocks of 4 and a
    // remainder of 3 in nearestCentroid4; every pair of positions, every lane of the four.
    const width = 3;
    const K = 19;
    const far = Float32Array.from([1000, 1000, 1000]);
    for (let first = 0; first < K; first++) {
      for (let second = first + 1; second < K; second++) {
        // Centroid k = (k, 10k, −k) except that `second` duplicates `first`.
        const centroids = new Float32Array(K * width);
        for (let k = 0; k < K; k++) centroids.set([k, 10 * k, -k], k * width);
        centroids.set(centroids.subarray(first * width, (first + 1) * width), second * width);
        const v = centroids.slice(first * width, (first + 1) * width);
        const norms = centroidSquaredNorms(centroids, K, width);
        expect(referenceNearest(v, centroids, K)).toBe(first);
        const farCode = referenceNearest(far, centroids, K);
        for (let lane = 0; lane < KERNEL_BLOCK; lane++) {
          const block = Array.from({ length: KERNEL_BLOCK }, (_, a) => (a === lane ? v : far));
          const { x, cb, xo } = layout(centroids, block, width);
          expect(nearestCentroid(x, xo + lane * width, cb, norms, width)).toBe(first);
          const codes = new Int32Array(KERNEL_BLOCK);
          nearestCentroid4(x, xo, width, cb, norms, width, codes, 0, 1);
          expect(Array.from(codes)).toEqual(block.map((u) => (u === v ? first : farCode)));
        }
      }
    }
  });
});
