import { describe, expect, it } from 'vitest';
import { isZeroNorm } from '../../src/lsh/vector-math.js';
import {
  decodeVector,
  encodeVector,
  unitVector,
} from '../../src/search/elasticsearch/vector-encoding.js';

describe('vector encoding in _source', () => {
  it('round-trips float32 values exactly and others to float32 precision', () => {
    const exact = [0, 1, -2.5, 0.125, 1024, -0.75, Math.fround(0.1)];
    expect(decodeVector(encodeVector(exact))).toEqual(exact);
    const values = [0.1, -0.333333, 12345.678];
    expect(decodeVector(encodeVector(values))).toEqual(values.map((v) => Math.fround(v)));
  });

  it('takes 4 bytes a value, as base64', () => {
    const encoded = encodeVector(new Array(384).fill(0.5));
    expect(Buffer.from(encoded, 'base64')).toHaveLength(384 * 4);
    expect(decodeVector(encoded)).toHaveLength(384);
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
