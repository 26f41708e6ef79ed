import { describe, it, expect } from 'vitest';
import {
  cosineSimilarity,
  createRandom,
  dot,
  gaussian,
  l2NormalizeInto,
  randomOrthogonalMatrix,
  rotateInto,
  squaredL2,
} from '../../../src/lsh/index.js';
import { randomVectors, row } from './helpers.js';

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
});

describe('randomOrthogonalMatrix', () => {
  it('is orthogonal: M·Mᵀ ≈ I', () => {
    const dim = 48;
    const m = randomOrthogonalMatrix(dim, 3);
    expect(m).toBeInstanceOf(Float32Array);
    expect(m.length).toBe(dim * dim);
    let maxErr = 0;
    for (let i = 0; i < dim; i++) {
      for (let k = 0; k < dim; k++) {
        let s = 0;
        for (let j = 0; j < dim; j++) s += m[i * dim + j]! * m[k * dim + j]!;
        maxErr = Math.max(maxErr, Math.abs(s - (i === k ? 1 : 0)));
      }
    }
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('is not trivially the identity or a permutation', () => {
    const dim = 16;
    const m = randomOrthogonalMatrix(dim, 3);
    let small = 0;
    for (const v of m) if (Math.abs(v) < 1e-3) small++;
    expect(small).toBeLessThan(dim);
  });

  it('preserves norms and dot products under rotateInto', () => {
    const dim = 33;
    const m = randomOrthogonalMatrix(dim, 11);
    const v = randomVectors(10, dim, 5);
    const r = new Float32Array(10 * dim);
    for (let i = 0; i < 10; i++) rotateInto(m, dim, v, i * dim, r, i * dim);
    for (let i = 0; i < 10; i++) {
      const a = row(v, i, dim);
      const ra = row(r, i, dim);
      expect(dot(ra, ra)).toBeCloseTo(dot(a, a), 3);
      for (let k = i + 1; k < 10; k++) {
        expect(dot(ra, row(r, k, dim))).toBeCloseTo(dot(a, row(v, k, dim)), 3);
      }
    }
    // ... while actually changing the vectors.
    expect(squaredL2(row(v, 0, dim), row(r, 0, dim))).toBeGreaterThan(1);
  });

  it('rotateInto computes M·x at the given offsets', () => {
    const m = new Float32Array([0, 1, -1, 0]); // 90° rotation
    const src = new Float32Array([7, 3, 4]);
    const out = new Float32Array(4);
    rotateInto(m, 2, src, 1, out, 2);
    expect(Array.from(out)).toEqual([0, 0, 4, -3]);
  });

  it('is deterministic by seed', () => {
    expect(randomOrthogonalMatrix(20, 1)).toEqual(randomOrthogonalMatrix(20, 1));
    expect(randomOrthogonalMatrix(20, 1)).not.toEqual(randomOrthogonalMatrix(20, 2));
  });
});
