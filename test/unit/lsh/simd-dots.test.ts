import { describe, it, expect } from 'vitest';
import { dotsModuleBytes, scalarDots, simdDots, simdScan } from '../../../src/lsh/simd-dots.js';
import { randomVectors } from './helpers.js';

describe('simdDots', () => {
  it('is a valid WebAssembly SIMD module on this Node', () => {
    expect(WebAssembly.validate(dotsModuleBytes())).toBe(true);
    expect(simdDots(4, 2, 8)).not.toBeNull();
  });

  for (const [count, width, K] of [
    [4, 1, 8],
    [5, 3, 2],
    [9, 8, 11],
    [13, 64, 256],
    [7, 13, 17],
    [8, 2, 1],
  ] as const) {
    it(`computes scalarDots's float32 sums to the bit: ${count} rows × ${width}, K = ${K}`, () => {
      const rows = randomVectors(count, width, count + width);
      const centres = Float64Array.from(randomVectors(K, width, K * 7));
      // Values far apart in magnitude: the rounding of every step shows.
      for (let i = 0; i < centres.length; i += 3) centres[i] = centres[i]! * 1e3 + 1 / 3;
      const kernel = simdDots(count, width, K)!;
      kernel.rows.set(rows);
      kernel.setCentres(centres, 0);
      const padded = new Float32Array(Math.ceil(count / 4) * 4 * width);
      padded.set(rows);
      const expected = new Float32Array(4 * K);
      const stride = kernel.panels * 4;
      for (let i0 = 0; i0 < count; i0 += 4) {
        kernel.dots(i0);
        scalarDots(padded, i0 * width, centres, 0, K, width, expected);
        for (let r = 0; r < 4; r++) {
          const got = Array.from(kernel.out.subarray(r * stride, r * stride + K));
          expect(got).toEqual(Array.from(expected.subarray(r * K, (r + 1) * K)));
        }
      }
      // And the float32 sums are near the float64 ones.
      kernel.dots(0);
      let dot = 0;
      for (let j = 0; j < width; j++) dot += rows[j]! * centres[j]!;
      expect(Math.abs(kernel.out[0]! - dot)).toBeLessThan(1e-3 * (1 + Math.abs(dot)));
    });
  }
});

describe('simdScan', () => {
  it('returns the first pair holding a bound within reach, else the tail', () => {
    const scan = simdScan(2 * 11, 11)!;
    expect(scan).not.toBeNull();
    scan.drift.set([0.5, 0, 0, 0, 0, 0.25, 0, 0, 0, 0, 1]);
    const row = [3, 3, 3, 3, 3, 1.2, 3, 3, 3, 3, 3];
    scan.lower.set(row, 11);
    // Row 1 (base 11): only g = 5 has lower − drift = 0.95 ≤ 1.
    expect(scan.scan(11, 0, 11, 1)).toBe(4);
    expect(scan.scan(11, 6, 11, 1)).toBe(10); // tail: 10 + 2 > 11
    expect(scan.scan(11, 0, 11, 0.9)).toBe(10);
    // Exactly at reach counts as within it (≤), as in the JavaScript test it stands for.
    expect(scan.scan(11, 0, 11, 0.95)).toBe(4);
    scan.lower.fill(Infinity, 0, 11);
    scan.lower[0] = -Infinity;
    expect(scan.scan(0, 0, 11, 0)).toBe(0);
    expect(scan.scan(0, 2, 10, 0)).toBe(10);
  });
});
