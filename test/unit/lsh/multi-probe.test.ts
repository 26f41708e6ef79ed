import { describe, it, expect } from 'vitest';
import { probeTokenOrder, rankNearestCentroids } from '../../../src/lsh/multi-probe.js';
import {
  centroidSquaredNorms,
  nearestCentroid,
} from '../../../src/lsh/nearest-centroid-kernels.js';
import { randomVectors } from './helpers.js';

/** All K centroids by score ‖c‖² − 2·v·c (summed in coordinate order), ties by index. */
function referenceRanking(v: Float32Array, centroids: Float32Array, K: number): number[] {
  const width = v.length;
  const scores = Array.from({ length: K }, (_, c) => {
    let norm = 0;
    let dot = 0;
    for (let j = 0; j < width; j++) {
      const cj = centroids[c * width + j]!;
      norm += cj * cj;
      dot += v[j]! * cj;
    }
    return norm - 2 * dot;
  });
  return scores.map((_, c) => c).sort((a, b) => scores[a]! - scores[b]! || a - b);
}

describe('rankNearestCentroids', () => {
  for (const [width, K] of [
    [1, 5],
    [3, 7],
    [4, 16],
    [6, 13],
    [9, 33],
  ] as const) {
    it(`lists the P nearest centroids, closest first (width ${width}, ${K} clusters)`, () => {
      const centroids = randomVectors(K, width, width * 100 + K);
      const x = new Float64Array(2 + K * width + width);
      x.set(centroids, 2);
      const xo = 2 + K * width;
      const norms = centroidSquaredNorms(centroids, K, width);
      for (let i = 0; i < 25; i++) {
        const v = randomVectors(1, width, K * 1000 + i);
        x.set(v, xo);
        const expected = referenceRanking(v, centroids, K);
        for (const P of [1, 2, 3, K - 1, K]) {
          const ranked = new Int32Array(P).fill(-1);
          rankNearestCentroids(x, xo, 2, norms, width, ranked, new Float64Array(P));
          expect(Array.from(ranked)).toEqual(expected.slice(0, P));
        }
        // The first probe is the kernels' nearest centroid.
        expect(expected[0]).toBe(nearestCentroid(x, xo, 2, norms, width));
      }
    });
  }

  it('keeps equal scores in index order', () => {
    // Centroids 1, 3 and 4 are the same point; v sits on it.
    const centroids = Float32Array.from([9, 9, 1, 2, 5, 5, 1, 2, 1, 2, -4, 0]);
    const x = new Float64Array(14);
    x.set(centroids);
    x.set([1, 2], 12);
    const ranked = new Int32Array(4);
    rankNearestCentroids(
      x,
      12,
      0,
      centroidSquaredNorms(centroids, 6, 2),
      2,
      ranked,
      new Float64Array(4),
    );
    expect(Array.from(ranked)).toEqual([1, 3, 4, 2]);
  });
});

describe('probeTokenOrder', () => {
  it('lists every subspace’s nearest cell first, then the other probes subspace by subspace', () => {
    // ranked[g * 3 + r]: subspace 0 → 4, 1, 7; subspace 1 → 0, 2, 5.
    const ranked = Int32Array.from([4, 1, 7, 0, 2, 5]);
    expect(probeTokenOrder(ranked, 2, 3)).toEqual(['0-4', '1-0', '0-1', '0-7', '1-2', '1-5']);
    expect(probeTokenOrder(Int32Array.from([4, 0]), 2, 1)).toEqual(['0-4', '1-0']);
  });
});
