import { describe, it, expect } from 'vitest';
import { kmeans } from 'ml-kmeans';
import {
  NearestCentres,
  batchedAssignment,
  squaredEuclidean,
} from '../../../src/lsh/nearest-centre-pass.js';
import { createRandom } from '../../../src/lsh/seeded-random.js';
import { clusteredVectors, randomVectors } from './helpers.js';

/** ml-kmeans's own choice: the first centre at the least squaredEuclidean distance. */
function firstNearest(x: Float64Array, xo: number, centres: Float64Array, K: number, w: number) {
  const row = x.subarray(xo, xo + w);
  let best = -1;
  let bestD = Number.MAX_VALUE;
  for (let c = 0; c < K; c++) {
    const d = squaredEuclidean(row, centres.subarray(c * w, (c + 1) * w));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Rows and room for K centres after them, as batchedAssignment expects. */
function layout(data: Float32Array, count: number, width: number, K: number) {
  const flat = new Float64Array((count + K) * width);
  flat.set(data);
  const rows = Array.from({ length: count }, (_, i) => flat.subarray(i * width, (i + 1) * width));
  return { flat, rows };
}

/** Small integers: many rows at exactly equal distances from two or more centres. */
function integerGrid(count: number, width: number, seed: number): Float32Array {
  const rand = createRandom(seed);
  const out = new Float32Array(count * width);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 4);
  return out;
}

const DATA: [string, Float32Array, number, number, number][] = [
  ['Gaussian', randomVectors(600, 8, 3), 600, 8, 24],
  ['clustered', clusteredVectors(12, 50, 16, 0.3, 4).vectors, 600, 16, 20],
  ['integer grid (ties)', integerGrid(500, 3, 9), 500, 3, 12],
  ['one coordinate', randomVectors(300, 1, 5), 300, 1, 7],
];

describe('NearestCentres', () => {
  for (const [name, data, count, width, K] of DATA) {
    for (const [maxLowerBounds, simd] of [
      [undefined, true],
      [undefined, false],
      [count * 3, true],
      [1, false],
    ] as const) {
      it(`matches the first nearest centre every iteration: ${name}, bounds ≤ ${maxLowerBounds ?? 'default'}, ${simd ? 'SIMD' : 'JavaScript'} first pass`, () => {
        const { flat } = layout(data, count, width, K);
        const pass = new NearestCentres(flat, count, width, K, maxLowerBounds, simd);
        if (maxLowerBounds === 1) expect(pass.groupSize).toBe(K);
        if (maxLowerBounds === count * 3) expect(pass.groupSize).toBe(Math.ceil(K / 3));
        const rand = createRandom(17);
        const cb = count * width;
        // Start at rows, then move the centres by shrinking steps (as Lloyd's do), with some
        // centres duplicated and some jumping far.
        for (let c = 0; c < K; c++) {
          const r = Math.floor(rand() * count);
          flat.copyWithin(cb + c * width, r * width, (r + 1) * width);
        }
        let computedLater = 0;
        for (let it = 0; it < 12; it++) {
          if (it > 0) {
            const step = 0.5 / it;
            for (let v = cb; v < flat.length; v++) flat[v] = flat[v]! + step * (rand() - 0.5);
            if (it % 4 === 0) flat.copyWithin(cb + width, cb, cb + width); // centre 1 = centre 0
            if (it === 5) for (let j = 0; j < width; j++) flat[cb + 2 * width + j] = 50;
            if (name.startsWith('integer')) {
              for (let v = cb; v < flat.length; v++) flat[v] = Math.round(flat[v]! * 2) / 2;
            }
          }
          pass.update();
          const centres = flat.subarray(cb);
          for (let i = 0; i < count; i++) {
            expect(pass.codes[i]).toBe(firstNearest(flat, i * width, centres, K, width));
          }
          if (it > 0) computedLater += pass.computed;
        }
        // The bounds rule out distances: fewer than a full search per iteration.
        if (maxLowerBounds === undefined && width > 1) {
          expect(computedLater).toBeLessThan(11 * count * K);
        }
      });
    }
  }

  it('skips most distances once the centres settle', () => {
    const { vectors, count } = clusteredVectors(16, 60, 16, 0.2, 8);
    const K = 16;
    const { flat } = layout(vectors, count, 16, K);
    const cb = count * 16;
    // The true centres, seen through the points with ids ≡ c mod 16.
    for (let c = 0; c < K; c++) flat.copyWithin(cb + c * 16, c * 16, (c + 1) * 16);
    const pass = new NearestCentres(flat, count, 16, K);
    pass.update();
    expect(pass.computed).toBeLessThanOrEqual(count * K);
    for (let v = cb; v < flat.length; v++) flat[v] = flat[v]! * 1.0001;
    pass.update();
    expect(pass.computed).toBeLessThan(count);
  });
});

describe('batchedAssignment with ml-kmeans', () => {
  for (const [name, data, count, width, K] of DATA) {
    it(`gives the same run as plain ml-kmeans, to the bit: ${name}`, () => {
      const rand = createRandom(23);
      const init = Array.from({ length: K }, () => {
        const r = Math.floor(rand() * count);
        return Array.from(data.subarray(r * width, (r + 1) * width));
      });
      const plainRows = Array.from({ length: count }, (_, i) =>
        Array.from(data.subarray(i * width, (i + 1) * width)),
      );
      const plain = kmeans(plainRows, K, { initialization: init, maxIterations: 40, tolerance: 0 });
      const { flat, rows } = layout(data, count, width, K);
      const ours = kmeans(rows as unknown as number[][], K, {
        initialization: init,
        maxIterations: 40,
        tolerance: 0,
        distanceFunction: batchedAssignment(rows, flat, width, K),
      });
      expect(ours.iterations).toBe(plain.iterations);
      expect(ours.clusters).toEqual(plain.clusters);
      expect(ours.centroids).toEqual(plain.centroids);
    });
  }

  it('gives the same run as plain ml-kmeans at a larger size (K = 64, 1,600 rows)', () => {
    const { vectors, count } = clusteredVectors(40, 40, 12, 0.6, 31);
    const width = 12;
    const K = 64;
    const init = Array.from({ length: K }, (_, k) =>
      Array.from(vectors.subarray(k * 7 * width, (k * 7 + 1) * width)),
    );
    const plainRows = Array.from({ length: count }, (_, i) =>
      Array.from(vectors.subarray(i * width, (i + 1) * width)),
    );
    const plain = kmeans(plainRows, K, { initialization: init, maxIterations: 30, tolerance: 0 });
    const { flat, rows } = layout(vectors, count, width, K);
    const ours = kmeans(rows as unknown as number[][], K, {
      initialization: init,
      maxIterations: 30,
      tolerance: 0,
      distanceFunction: batchedAssignment(rows, flat, width, K),
    });
    expect(ours.iterations).toBe(plain.iterations);
    expect(ours.clusters).toEqual(plain.clusters);
    expect(ours.centroids).toEqual(plain.centroids);
  });

  it('refuses questions out of ml-kmeans order instead of answering them wrongly', () => {
    const data = randomVectors(5, 2, 1);
    const { flat, rows } = layout(data, 5, 2, 2);
    const distance = batchedAssignment(rows, flat, 2, 2);
    const c0 = [0, 0];
    const c1 = [1, 1];
    const row = (i: number) => rows[i] as unknown as number[];
    expect(distance(row(0), c0)).toBe(squaredEuclidean(rows[0]!, c0));
    distance(row(0), c1);
    // Rows 1.. are answered from the pass: 0 for the nearest centre, 1 for the other.
    const answers = [distance(row(1), c0), distance(row(1), c1)];
    expect(answers.sort()).toEqual([0, 1]);
    expect(() => distance(row(3), c0)).toThrow(/out of order/);
  });
});
