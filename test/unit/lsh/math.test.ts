import { describe, it, expect } from 'vitest';
import {
  HADAMARD_ROUNDS,
  HadamardTransform,
  fwhtInPlace,
  nextPowerOfTwo,
  randomHadamardRotation,
} from '../../../src/lsh/rotation.js';
import { createRandom, gaussian } from '../../../src/lsh/seeded-random.js';
import {
  cosineSimilarity,
  dot,
  inverseNorm,
  isZeroNorm,
  l2NormalizeInto,
  squaredL2,
  unitVector,
} from '../../../src/lsh/vector-math.js';
import { hadamardMatrix, randomVectors, referenceRotate, row } from './helpers.js';

describe('createRandom / gaussian', () => {
  it('is deterministic by seed and returns floats in [0, 1)', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    const c = createRandom(8);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it('gaussian has mean ≈ 0 and variance ≈ 1', () => {
    const rand = createRandom(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const g = gaussian(rand);
      expect(Number.isFinite(g)).toBe(true);
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });
});

describe('vector math', () => {
  it('l2NormalizeInto writes a unit vector at the offsets and returns the norm', () => {
    const src = [9, 3, 4, 9];
    const out = new Float32Array(5);
    expect(l2NormalizeInto(src, 1, 2, out, 2)).toBe(5);
    expect(Array.from(out)).toEqual([0, 0, Math.fround(0.6), Math.fround(0.8), 0]);
  });

  it('l2NormalizeInto writes zeros for a zero vector', () => {
    const out = new Float32Array([1, 1, 1]);
    expect(l2NormalizeInto([0, 0, 0], 0, 3, out, 0)).toBe(0);
    expect(Array.from(out)).toEqual([0, 0, 0]);
  });

  it('dot, squaredL2 and cosineSimilarity', () => {
    expect(dot([1, 2, 3], [4, 5, 6])).toBe(32);
    expect(squaredL2([1, 2, 3], [4, 6, 3])).toBe(25);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([2, 0], [3, 0])).toBeCloseTo(1, 12);
    expect(cosineSimilarity([1, 1], [-2, -2])).toBeCloseTo(-1, 12);
    expect(cosineSimilarity([0, 0], [1, 2])).toBe(0);
    expect(cosineSimilarity([1, 2], [0, 0])).toBe(0);
    expect(() => dot([1], [1, 2])).toThrow(RangeError);
  });

  it('inverseNorm is 1/‖x‖ of the slice, and 0 for a zero vector', () => {
    expect(inverseNorm(new Float32Array([9, 3, 4, 9]), 1, 2)).toBe(1 / 5);
    expect(inverseNorm([0, 0, 0], 0, 3)).toBe(0);
  });
});

/** Rotates rows of `v` (count × dim) with a HadamardTransform into count × size float64 rows. */
function rotateAll(
  t: HadamardTransform,
  v: Float32Array,
  count: number,
  scale = 1,
): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    // A non-zero offset in a larger buffer, to check that offsets are honoured.
    const buf = new Float64Array(t.size + 7).fill(99);
    t.apply(v, i * t.dim, scale, buf, 3);
    expect(buf[2]).toBe(99);
    expect(buf[3 + t.size]).toBe(99);
    out.push(buf.slice(3, 3 + t.size));
  }
  return out;
}

describe('nextPowerOfTwo', () => {
  it('rounds up to a power of two', () => {
    expect([1, 2, 3, 10, 16, 17, 384, 512, 784].map(nextPowerOfTwo)).toEqual([
      1, 2, 4, 16, 16, 32, 512, 512, 1024,
    ]);
    expect(() => nextPowerOfTwo(0)).toThrow(RangeError);
    expect(() => nextPowerOfTwo(2.5)).toThrow(RangeError);
  });
});

describe('fwhtInPlace', () => {
  it('equals the product with the Hadamard matrix built from its definition', () => {
    const rand = createRandom(4);
    // n < 8, radix-8 only (8), radix-8 + radix-2 (16), + radix-4 (32), radix-8 ×2 (64), ×3 (512),
    // and ×3 + radix-2 (1024).
    for (const n of [1, 2, 4, 8, 16, 32, 64, 512, 1024]) {
      const h = hadamardMatrix(n);
      const x = Float64Array.from({ length: n }, () => gaussian(rand));
      const signs = Float64Array.from({ length: n }, () => (rand() < 0.5 ? -1 : 1));
      for (const s of [null, signs]) {
        const buf = new Float64Array(n + 5);
        buf.set(x, 2);
        fwhtInPlace(buf, 2, n, s);
        let maxErr = 0;
        for (let i = 0; i < n; i++) {
          let expected = 0;
          for (let j = 0; j < n; j++) expected += h[i * n + j]! * (s ? s[j]! : 1) * x[j]!;
          maxErr = Math.max(maxErr, Math.abs(buf[2 + i]! - expected));
        }
        expect(maxErr, `n=${n}`).toBeLessThan(1e-9 * Math.sqrt(n));
        expect([buf[0], buf[1], buf[n + 2]]).toEqual([0, 0, 0]);
      }
    }
  });
});

describe('randomHadamardRotation', () => {
  it('pads to the next power of two and draws ±1 signs for each round', () => {
    for (const [dim, size] of [
      [384, 512],
      [512, 512],
      [10, 16],
      [1, 1],
    ] as const) {
      const r = randomHadamardRotation(dim, 7);
      expect(r.size).toBe(size);
      expect(r.signs).toHaveLength(HADAMARD_ROUNDS);
      for (const s of r.signs) {
        expect(s).toBeInstanceOf(Int8Array);
        expect(s.length).toBe(size);
        expect(s.every((v) => v === 1 || v === -1)).toBe(true);
      }
    }
    const big = randomHadamardRotation(512, 7).signs[0]!;
    const negatives = big.filter((v) => v < 0).length;
    expect(negatives).toBeGreaterThan(200);
    expect(negatives).toBeLessThan(312);
    expect(randomHadamardRotation(16, 1, 2).signs).toHaveLength(2);
    expect(() => randomHadamardRotation(16, 1, 0)).toThrow(RangeError);
  });

  it('is deterministic by seed, with independent rounds', () => {
    expect(randomHadamardRotation(100, 1)).toEqual(randomHadamardRotation(100, 1));
    expect(randomHadamardRotation(100, 1)).not.toEqual(randomHadamardRotation(100, 2));
    const [a, b] = randomHadamardRotation(100, 1).signs;
    expect(a).not.toEqual(b);
  });
});

describe('HadamardTransform', () => {
  for (const dim of [512, 384, 10, 33, 1]) {
    it(`matches a dense reference rotation and is orthogonal (dim ${dim} → ${nextPowerOfTwo(dim)})`, () => {
      const rotation = randomHadamardRotation(dim, 11);
      const t = new HadamardTransform(rotation, dim);
      expect(t.size).toBe(nextPowerOfTwo(dim));
      const count = 6;
      const v = randomVectors(count, dim, 5);
      const r = rotateAll(t, v, count);
      for (let i = 0; i < count; i++) {
        const ref = referenceRotate(rotation, row(v, i, dim));
        let maxErr = 0;
        for (let j = 0; j < t.size; j++) maxErr = Math.max(maxErr, Math.abs(r[i]![j]! - ref[j]!));
        expect(maxErr).toBeLessThan(1e-9);
        // Norms and dot products are preserved (zero padding adds nothing to either).
        const a = row(v, i, dim);
        expect(dot(r[i]!, r[i]!)).toBeCloseTo(dot(a, a), 9);
        for (let k = i + 1; k < count; k++) {
          expect(dot(r[i]!, r[k]!)).toBeCloseTo(dot(a, row(v, k, dim)), 9);
        }
      }
      if (dim > 1) {
        // ... while actually changing the vectors.
        const padded = new Float64Array(t.size);
        padded.set(row(v, 0, dim));
        expect(squaredL2(padded, r[0]!)).toBeGreaterThan(1);
      }
    });
  }

  it('is the orthogonal matrix Π (H/√D)·diag(s): its columns are orthonormal', () => {
    const dim = 16;
    const t = new HadamardTransform(randomHadamardRotation(dim, 3), dim);
    const cols = rotateAll(
      t,
      Float32Array.from({ length: dim * dim }, (_, i) => (i % (dim + 1) === 0 ? 1 : 0)),
      dim,
    );
    let maxErr = 0;
    for (let i = 0; i < dim; i++) {
      for (let k = 0; k < dim; k++) {
        maxErr = Math.max(maxErr, Math.abs(dot(cols[i]!, cols[k]!) - (i === k ? 1 : 0)));
      }
    }
    expect(maxErr).toBeLessThan(1e-12);
    // Not trivially a signed permutation: a basis vector is spread over every coordinate.
    expect(cols[0]!.every((c) => Math.abs(c) > 1e-6)).toBe(true);
  });

  it('applies `scale` to the input', () => {
    const t = new HadamardTransform(randomHadamardRotation(20, 3), 20);
    const v = randomVectors(1, 20, 8);
    const [plain] = rotateAll(t, v, 1);
    const [scaled] = rotateAll(t, v, 1, 0.25);
    for (let j = 0; j < t.size; j++) expect(scaled![j]).toBeCloseTo(plain![j]! * 0.25, 12);
  });

  it('mixes structured input: several rounds break the periodicity of a single round', () => {
    // x supported on the first 4 coordinates: one round H·diag(s)·x has period 4, so every
    // contiguous subspace would see the same 4 values; three rounds do not.
    const dim = 64;
    const x = new Float32Array(dim);
    x.set([1, -2, 3, 0.5]);
    const periodic = (rounds: number) => {
      const t = new HadamardTransform(randomHadamardRotation(dim, 9, rounds), dim);
      const [r] = rotateAll(t, x, 1);
      return r!.every((v, j) => Math.abs(v - r![j % 4]!) < 1e-9);
    };
    expect(periodic(1)).toBe(true);
    expect(periodic(HADAMARD_ROUNDS)).toBe(false);
  });

  it('rejects a rotation of the wrong size', () => {
    const r = randomHadamardRotation(16, 1);
    expect(() => new HadamardTransform(r, 17)).toThrow(/size 16 does not match dim 17/);
    expect(() => new HadamardTransform({ size: 16, signs: [new Int8Array(8)] }, 16)).toThrow(
      /8 signs, expected 16/,
    );
    expect(() => new HadamardTransform({ size: 16, signs: [] }, 16)).toThrow(/no rounds/);
  });
});

describe('isZeroNorm', () => {
  it('is true when the squared norm is 0: all zeros, or values too tiny to square', () => {
    expect(isZeroNorm([0, 0, -0])).toBe(true);
    expect(isZeroNorm([5e-324, 5e-324])).toBe(true);
    expect(isZeroNorm([0, 1e-30, 0])).toBe(false);
  });
});

describe('unitVector', () => {
  it('divides by the length, keeps the direction of tiny vectors and leaves a zero vector zero', () => {
    expect(unitVector([3, 4])).toEqual([0.6, 0.8]);
    const tiny = unitVector([3e-40, 4e-40]);
    expect(tiny[0]).toBeCloseTo(0.6, 12);
    expect(tiny[1]).toBeCloseTo(0.8, 12);
    expect(unitVector([0, 0, 0])).toEqual([0, 0, 0]);
  });
});
