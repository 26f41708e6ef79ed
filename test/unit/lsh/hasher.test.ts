import { describe, it, expect } from 'vitest';
import { LshHasher } from '../../../src/lsh/hasher.js';
import type { LshModel, LshModelParams } from '../../../src/lsh/lsh-model.js';
import { trainLshModel } from '../../../src/lsh/train.js';
import { randomVectors, referenceRotate, row } from './helpers.js';

/**
 * The model's preprocessing, recomputed independently in float64: normalisation, then zero
 * padding and the rotation by dense Hadamard matrices built from their definition.
 */
function preprocess(model: LshModel, v: ArrayLike<number>): Float64Array {
  let x = Float64Array.from(Float32Array.from(v));
  if (model.metric === 'cosine') {
    const norm = Math.sqrt(x.reduce((s, a) => s + a * a, 0));
    x = x.map((a) => (norm === 0 ? 0 : a / norm));
  }
  return model.rotation ? referenceRotate(model.rotation, x) : x;
}

/** Squared distances from x's slice g to every centroid of subspace g, by brute force. */
function distances(model: LshModel, x: Float64Array, g: number): number[] {
  const start = model.bounds[g]!;
  const width = model.bounds[g + 1]! - start;
  const c = model.centroids[g]!;
  const out: number[] = [];
  for (let k = 0; k < model.clusters; k++) {
    let d = 0;
    for (let j = 0; j < width; j++) d += (x[start + j]! - c[k * width + j]!) ** 2;
    out.push(d);
  }
  return out;
}

function argmin(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[best]!) best = i;
  return best;
}

const base: LshModelParams = {
  dim: 40,
  subspaces: 6,
  clusters: 12,
  metric: 'cosine',
  rotate: true,
  seed: 17,
};

describe('LshHasher.hashBatchInto', () => {
  const train = randomVectors(300, 40, 1);
  // 203 = 50 blocks of four vectors + 3 hashed one by one.
  const n = 203;
  const queries = randomVectors(n, 40, 2);

  for (const params of [
    base,
    { ...base, rotate: false },
    { ...base, metric: 'euclidean' as const },
    { ...base, metric: 'euclidean' as const, rotate: false, clusters: 7 },
    // K % 4 = 1: the kernels' one-centroid remainder.
    { ...base, clusters: 13 },
  ]) {
    it(`picks the brute-force nearest centroid (${params.metric}, rotate=${params.rotate}, K=${params.clusters})`, () => {
      const model = trainLshModel(train, 300, params);
      expect(model.rotatedDim).toBe(params.rotate ? 64 : 40);
      const hasher = new LshHasher(model);
      const G = params.subspaces;
      const out = new Int32Array(n * G);
      hasher.hashBatchInto(queries, n, out);
      let exact = 0;
      for (let i = 0; i < n; i++) {
        const x = preprocess(model, row(queries, i, 40));
        for (let g = 0; g < G; g++) {
          const d = distances(model, x, g);
          const expected = argmin(d);
          const got = out[i * G + g]!;
          if (got === expected) exact++;
          // Only a rounding-level near-tie may pick another centroid.
          else expect(d[got]! - d[expected]!).toBeLessThan(1e-9);
        }
      }
      expect(exact).toBeGreaterThanOrEqual(n * G - 2);
      // The codes actually vary, i.e. the test is not vacuous.
      expect(new Set(out).size).toBeGreaterThan(params.clusters / 2);
    });
  }

  it('writes the same codes into Uint16Array and Int32Array, and agrees with hashOne', () => {
    const model = trainLshModel(train, 300, base);
    const hasher = new LshHasher(model);
    const a = new Uint16Array(50 * 6);
    const b = new Int32Array(50 * 6);
    hasher.hashBatchInto(queries, 50, a);
    hasher.hashBatchInto(queries, 50, b);
    expect(Array.from(a)).toEqual(Array.from(b));
    for (let i = 0; i < 50; i++) {
      const tokens = hasher.codesToTokens(a, i);
      expect(tokens).toEqual(hasher.hashOne(row(queries, i, 40)));
      expect(tokens).toEqual(hasher.hashOne(Array.from(row(queries, i, 40))));
    }
  });

  it('does not depend on the batch a vector is hashed in, nor mutate the input', () => {
    const model = trainLshModel(train, 300, base);
    const hasher = new LshHasher(model);
    const copy = queries.slice();
    const all = new Int32Array(n * 6);
    hasher.hashBatchInto(queries, n, all);
    // Every position in a block of four, and the one-by-one remainder, give the same codes.
    for (const start of [36, 37, 38, 39, 198, 200]) {
      for (let count = 1; count <= 5 && start + count <= n; count++) {
        const part = new Int32Array(count * 6);
        hasher.hashBatchInto(queries.subarray(start * 40, (start + count) * 40), count, part);
        expect(Array.from(part)).toEqual(Array.from(all.subarray(start * 6, (start + count) * 6)));
      }
    }
    expect(queries).toEqual(copy);
  });

  it('breaks ties between equal centroids towards the lowest index, on every path', () => {
    // Two subspaces of 2 coordinates; centroids 4 and 5 duplicate 1 and 2.
    const centroids = Float32Array.from([5, 5, 1, 0, 0, 1, -1, -1, 1, 0, 0, 1]);
    const model: LshModel = {
      dim: 4,
      rotatedDim: 4,
      subspaces: 2,
      clusters: 6,
      metric: 'euclidean',
      rotate: false,
      seed: 1,
      maxIterations: 1,
      bounds: new Int32Array([0, 2, 4]),
      rotation: null,
      centroids: [centroids, centroids.slice()],
      trainedOn: 6,
    };
    const hasher = new LshHasher(model);
    // (0.5, 0.5) is equally near centroids 1, 2, 4 and 5: the lowest index, 1, wins.
    const rows = [
      [1, 0, 0, 1],
      [0.5, 0.5, 0.5, 0.5],
      [0, 1, 1, 0],
      [-3, -3, 0.9, 0.1],
      [0.5, 0.5, 0, 1],
    ];
    const expected = [1, 2, 1, 1, 2, 1, 3, 1, 1, 2];
    const out = new Int32Array(rows.length * 2);
    hasher.hashBatchInto(Float32Array.from(rows.flat()), rows.length, out);
    expect(Array.from(out)).toEqual(expected);
    rows.forEach((r, i) =>
      expect(hasher.hashOne(r)).toEqual([`0-${expected[2 * i]}`, `1-${expected[2 * i + 1]}`]),
    );
    expect(hasher.probeTokens([0.5, 0.5, 1, 0], 3)).toEqual([
      '0-1',
      '1-1',
      '0-2',
      '0-4',
      '1-4',
      '1-2',
    ]);
  });

  it('is scale-invariant for cosine but not for euclidean', () => {
    const cos = new LshHasher(trainLshModel(train, 300, base));
    const euc = new LshHasher(trainLshModel(train, 300, { ...base, metric: 'euclidean' }));
    let eucChanged = 0;
    for (let i = 0; i < 50; i++) {
      const v = row(queries, i, 40);
      const scaled = v.map((a) => a * 0.2);
      expect(cos.hashOne(scaled)).toEqual(cos.hashOne(v));
      if (euc.hashOne(scaled).join() !== euc.hashOne(v).join()) eucChanged++;
    }
    expect(eucChanged).toBeGreaterThan(10);
  });

  it('rejects mismatched sizes', () => {
    const hasher = new LshHasher(trainLshModel(train, 300, base));
    expect(() => hasher.hashOne(new Float32Array(39))).toThrow(/expects 40/);
    expect(() => hasher.hashBatchInto(queries, n + 1, new Int32Array((n + 1) * 6))).toThrow(
      RangeError,
    );
    expect(() => hasher.hashBatchInto(queries, 10, new Int32Array(59))).toThrow(RangeError);
    expect(() => hasher.probeTokens(row(queries, 0, 40), 0)).toThrow(RangeError);
  });
});

describe('tokens', () => {
  it('uneven dims (10 / 3) train and hash to "g-c" tokens with g < G and c < clusters', () => {
    const vectors = randomVectors(120, 10, 9);
    const model = trainLshModel(vectors, 120, {
      dim: 10,
      subspaces: 3,
      clusters: 5,
      metric: 'euclidean',
      rotate: false,
      seed: 1,
    });
    expect(Array.from(model.bounds)).toEqual([0, 4, 7, 10]);
    expect(model.centroids.map((c) => c.length)).toEqual([20, 15, 15]);
    const hasher = new LshHasher(model);
    expect(hasher.tokensPerItem).toBe(3);
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) {
      const tokens = hasher.hashOne(row(vectors, i, 10));
      expect(tokens).toHaveLength(3);
      tokens.forEach((t, g) => {
        const m = /^(\d+)-(\d+)$/.exec(t);
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(g);
        expect(Number(m![2])).toBeLessThan(5);
        seen.add(t);
      });
    }
    // Every centroid of every subspace is used by some training vector.
    expect(seen.size).toBe(15);
  });

  it('probeTokens(v, 1) equals hashOne', () => {
    const vectors = randomVectors(200, 24, 4);
    const hasher = new LshHasher(
      trainLshModel(vectors, 200, { ...base, dim: 24, subspaces: 4, clusters: 8 }),
    );
    for (let i = 0; i < 20; i++) {
      const v = row(vectors, i, 24);
      expect(hasher.probeTokens(v, 1)).toEqual(hasher.hashOne(v));
    }
  });

  it('probeTokens(v, 2) is hashOne plus the second-nearest centroid of each subspace', () => {
    const vectors = randomVectors(200, 24, 4);
    const model = trainLshModel(vectors, 200, { ...base, dim: 24, subspaces: 4, clusters: 8 });
    const hasher = new LshHasher(model);
    const queries = randomVectors(30, 24, 5);
    for (let i = 0; i < 30; i++) {
      const v = row(queries, i, 24);
      const one = hasher.hashOne(v);
      const probed = hasher.probeTokens(v, 2);
      expect(probed).toHaveLength(8);
      expect(probed.slice(0, 4)).toEqual(one);
      expect(new Set(probed).size).toBe(8);
      const x = preprocess(model, v);
      for (let g = 0; g < 4; g++) {
        const extra = probed[4 + g]!;
        expect(extra.startsWith(`${g}-`)).toBe(true);
        const d = distances(model, x, g);
        const order = d.map((_, k) => k).sort((a, b) => d[a]! - d[b]! || a - b);
        const c = Number(extra.split('-')[1]);
        expect(Math.abs(d[c]! - d[order[1]!]!)).toBeLessThan(1e-5);
      }
    }
  });

  it('probeTokens caps probes at the number of clusters', () => {
    const vectors = randomVectors(100, 12, 6);
    const hasher = new LshHasher(
      trainLshModel(vectors, 100, { ...base, dim: 12, subspaces: 2, clusters: 3 }),
    );
    const tokens = hasher.probeTokens(row(vectors, 0, 12), 10);
    expect(tokens).toHaveLength(6);
    expect([...tokens].sort()).toEqual(['0-0', '0-1', '0-2', '1-0', '1-1', '1-2']);
  });
});
