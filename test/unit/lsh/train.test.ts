import { describe, it, expect } from 'vitest';
import { LshHasher } from '../../../src/lsh/hasher.js';
import type { LshModelParams } from '../../../src/lsh/lsh-model.js';
import { HADAMARD_ROUNDS } from '../../../src/lsh/rotation.js';
import { subspaceBounds } from '../../../src/lsh/subspaces.js';
import { kmeans } from 'ml-kmeans';
import { clusterSubspace, initialCentroids } from '../../../src/lsh/subspace-kmeans.js';
import { prepareTraining, trainLshModel } from '../../../src/lsh/train.js';
import { clusteredVectors, randomVectors, row } from './helpers.js';

const params: LshModelParams = {
  dim: 32,
  subspaces: 4,
  clusters: 16,
  metric: 'cosine',
  rotate: true,
  seed: 5,
};

describe('trainLshModel', () => {
  const vectors = randomVectors(400, 32, 3);

  it('produces a model of the documented shape', () => {
    const model = trainLshModel(vectors, 400, params);
    expect(model).toMatchObject({ ...params, maxIterations: 25, trainedOn: 400, rotatedDim: 32 });
    expect(Array.from(model.bounds)).toEqual([0, 8, 16, 24, 32]);
    expect(model.rotation!.size).toBe(32);
    expect(model.rotation!.signs).toHaveLength(HADAMARD_ROUNDS);
    for (const s of model.rotation!.signs) {
      expect(s).toBeInstanceOf(Int8Array);
      expect(s.length).toBe(32);
    }
    expect(model.centroids).toHaveLength(4);
    for (const c of model.centroids) {
      expect(c).toBeInstanceOf(Float32Array);
      expect(c.length).toBe(16 * 8);
      expect(c.every(Number.isFinite)).toBe(true);
    }
    const plain = trainLshModel(vectors, 400, { ...params, rotate: false });
    expect(plain.rotation).toBeNull();
    expect(plain.rotatedDim).toBe(32);
  });

  it('pads rotated vectors to the next power of two and splits all of its coordinates', () => {
    for (const [dim, rotatedDim, subspaces] of [
      [10, 16, 3],
      [384, 512, 16],
    ] as const) {
      const v = randomVectors(60, dim, 4);
      const p: LshModelParams = {
        dim,
        subspaces,
        clusters: 4,
        metric: 'cosine',
        rotate: true,
        seed: 2,
      };
      const model = trainLshModel(v, 60, { ...p, maxIterations: 5 });
      expect(model.dim).toBe(dim);
      expect(model.rotatedDim).toBe(rotatedDim);
      expect(model.rotation!.size).toBe(rotatedDim);
      expect(model.bounds[subspaces]).toBe(rotatedDim);
      expect(Array.from(model.bounds)).toEqual(Array.from(subspaceBounds(rotatedDim, subspaces)));
      model.centroids.forEach((c, g) =>
        expect(c.length).toBe(4 * (model.bounds[g + 1]! - model.bounds[g]!)),
      );
      // The padding carries information after rotation: no subspace is constant.
      const codes = new Int32Array(60 * subspaces);
      new LshHasher(model).hashBatchInto(v, 60, codes);
      for (let g = 0; g < subspaces; g++) {
        const used = new Set(Array.from({ length: 60 }, (_, i) => codes[i * subspaces + g]));
        expect(used.size).toBeGreaterThan(1);
      }
      const unrotated = trainLshModel(v, 60, { ...p, rotate: false, maxIterations: 5 });
      expect(unrotated.rotatedDim).toBe(dim);
      expect(unrotated.bounds[subspaces]).toBe(dim);
    }
  });

  it('fits distinct centroids per subspace', () => {
    const model = trainLshModel(vectors, 400, params);
    for (const c of model.centroids) {
      const keys = new Set<string>();
      for (let k = 0; k < 16; k++) keys.add(Array.from(c.subarray(k * 8, (k + 1) * 8)).join());
      expect(keys.size).toBe(16);
    }
  });

  it('is deterministic: same seed ⇒ identical model, different seed ⇒ different', () => {
    const a = trainLshModel(vectors, 400, params);
    const b = trainLshModel(vectors, 400, params);
    expect(b.centroids).toEqual(a.centroids);
    expect(b.rotation).toEqual(a.rotation);
    expect(b).toEqual(a);
    const c = trainLshModel(vectors, 400, { ...params, seed: 6 });
    expect(c.rotation).not.toEqual(a.rotation);
    expect(c.centroids).not.toEqual(a.centroids);
    const d = trainLshModel(vectors, 400, { ...params, seed: 6, rotate: false });
    const e = trainLshModel(vectors, 400, { ...params, seed: 7, rotate: false });
    expect(d.centroids).not.toEqual(e.centroids);
  });

  it('uses the k-means++ subsample path deterministically on a larger sample', () => {
    // 20 × K = 40 < 2000 < count, so seeding runs on a 2000-point subsample.
    const big = randomVectors(2600, 8, 12);
    const p: LshModelParams = { ...params, dim: 8, subspaces: 2, clusters: 2, maxIterations: 5 };
    expect(trainLshModel(big, 2600, p)).toEqual(trainLshModel(big, 2600, p));
  });

  it('hashes near vectors (same cluster) to far more shared tokens than far ones', () => {
    const dim = 64;
    const G = 8;
    const train = clusteredVectors(8, 40, dim, 0.25, 21);
    const model = trainLshModel(train.vectors, train.count, {
      dim,
      subspaces: G,
      clusters: 16,
      metric: 'cosine',
      rotate: true,
      seed: 1,
    });
    const hasher = new LshHasher(model);
    // Held-out points from the same centres (same generator seed ⇒ same centres).
    const test = clusteredVectors(8, 50, dim, 0.25, 21);
    const held = test.vectors.subarray(train.count * dim);
    const labels = test.labels.slice(train.count);
    const n = labels.length;
    const tokens = Array.from({ length: n }, (_, i) => new Set(hasher.hashOne(row(held, i, dim))));
    let near = 0;
    let nearPairs = 0;
    let far = 0;
    let farPairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let shared = 0;
        for (const t of tokens[i]!) if (tokens[j]!.has(t)) shared++;
        if (labels[i] === labels[j]) {
          near += shared;
          nearPairs++;
        } else {
          far += shared;
          farPairs++;
        }
      }
    }
    const nearAvg = near / nearPairs;
    const farAvg = far / farPairs;
    expect(nearPairs).toBeGreaterThan(0);
    // 16 centroids for 8 true clusters: k-means splits each cluster about in two per subspace,
    // so same-cluster points share about 5 of 8 tokens; random tokens would share 8/16 = 0.5.
    expect(nearAvg).toBeGreaterThan(0.5 * G);
    expect(farAvg).toBeLessThan(0.1 * G);
    expect(nearAvg).toBeGreaterThan(4 * farAvg);
  });

  it('trains when a subspace has fewer distinct sub-vectors than clusters (blank coordinates)', () => {
    const dim = 12;
    const v = randomVectors(100, dim, 8);
    for (let i = 0; i < 100; i++) v.fill(0, i * dim, i * dim + 4); // subspace 0 always zero
    const model = trainLshModel(v, 100, {
      dim,
      subspaces: 3,
      clusters: 6,
      metric: 'euclidean',
      rotate: false,
      seed: 2,
    });
    expect(model.centroids[0]!.every((x) => x === 0)).toBe(true);
    const codes = new Int32Array(100 * 3);
    new LshHasher(model).hashBatchInto(v, 100, codes);
    for (let i = 0; i < 100; i++) expect(codes[i * 3]).toBe(0);
    expect(new Set(Array.from({ length: 100 }, (_, i) => codes[i * 3 + 1])).size).toBe(6);
  });

  describe('validation', () => {
    it('rejects clusters > count with an actionable message', () => {
      expect(() => trainLshModel(vectors.subarray(0, 10 * 32), 10, params)).toThrow(RangeError);
      expect(() => trainLshModel(vectors.subarray(0, 10 * 32), 10, params)).toThrow(
        /clusters \(16\) exceeds the training sample size \(10 vectors\).*at most 10/,
      );
    });

    it('rejects a dim mismatch', () => {
      expect(() => trainLshModel(vectors, 400, { ...params, dim: 33 })).toThrow(RangeError);
      expect(() => trainLshModel(vectors, 400, { ...params, dim: 33 })).toThrow(/dim/);
      expect(() => trainLshModel(vectors, 399, params)).toThrow(/count × dim/);
    });

    it('rejects fewer distinct vectors than clusters', () => {
      const dup = new Float32Array(20 * 4);
      for (let i = 0; i < 20; i++) dup.set([i % 3, 1, 2, 3], i * 4);
      const p: LshModelParams = { ...params, dim: 4, subspaces: 2, clusters: 4, rotate: false };
      expect(() => trainLshModel(dup, 20, p)).toThrow(RangeError);
      expect(() => trainLshModel(dup, 20, p)).toThrow(/only 3 distinct vectors.*at most 3/);
      expect(() => trainLshModel(dup, 20, { ...p, clusters: 3 })).not.toThrow();
      // Under cosine, scaled copies are the same point.
      const scaled = new Float32Array(20 * 4);
      for (let i = 0; i < 20; i++) scaled.set([i + 1, 2 * (i + 1), 0, 1 + i], i * 4);
      expect(() => trainLshModel(scaled, 20, { ...p, clusters: 2 })).toThrow(/only 1 distinct/);
      expect(() =>
        trainLshModel(scaled, 20, { ...p, clusters: 2, metric: 'euclidean' }),
      ).not.toThrow();
    });

    it('rejects bad parameters', () => {
      const bad: Partial<LshModelParams>[] = [
        { clusters: 1 },
        { clusters: 2.5 },
        { subspaces: 0 },
        { subspaces: 33 },
        { dim: 0 },
        { seed: 1.5 },
        { maxIterations: 0 },
        { metric: 'manhattan' as never },
      ];
      for (const b of bad) {
        expect(() => trainLshModel(vectors, 400, { ...params, ...b })).toThrow(RangeError);
      }
      expect(() => trainLshModel(vectors, 0, params)).toThrow(RangeError);
    });

    it('rejects non-finite values', () => {
      const v = vectors.slice();
      v[5 * 32 + 3] = Number.NaN;
      expect(() => trainLshModel(v, 400, params)).toThrow(/vector 5 .*coordinate 3/);
    });
  });
});

describe('clusterSubspace', () => {
  it('ends exactly where plain ml-kmeans ends from the same centres with the same tolerance', () => {
    const vectors = randomVectors(500, 16, 21);
    const prepared = prepareTraining(vectors, 500, { ...params, dim: 16, subspaces: 2 });
    for (const task of prepared.tasks) {
      const init = initialCentroids(task);
      const rows = Array.from({ length: task.count }, (_, i) =>
        Array.from(task.data.subarray(i * task.width, (i + 1) * task.width)),
      );
      let mean = 0;
      for (let j = 0; j < task.width; j++) {
        const col = rows.map((r) => r[j]!);
        const mu = col.reduce((a, b) => a + b, 0) / col.length;
        mean += col.reduce((a, b) => a + (b - mu) ** 2, 0) / col.length;
      }
      const plain = kmeans(rows, task.clusters, {
        initialization: Array.from({ length: task.clusters }, (_, k) =>
          Array.from(init.subarray(k * task.width, (k + 1) * task.width)),
        ),
        maxIterations: task.maxIterations,
        tolerance: (task.tolerance * mean) / task.width,
      });
      const ours = clusterSubspace(task);
      expect(ours.iterations).toBe(plain.iterations);
      const expected = new Float32Array(task.clusters * task.width);
      plain.centroids.forEach((c, k) => expected.set(c, k * task.width));
      // The same Lloyd steps: the same centroids to the bit (then rounded to float32).
      expect(Array.from(ours.centroids)).toEqual(Array.from(expected));
    }
  });
});
