import { describe, expect, it } from 'vitest';
import {
  decodeVector,
  encodeVector,
  float32Values,
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

describe('float32Values', () => {
  it('keeps float32 precision in at most 9 significant digits', () => {
    const values = [0.1, -0.333333333333, 1 / 3, 12345.678901234, 0, 1e-30, 3.4e38, 0.5];
    const out = float32Values(values);
    out.forEach((value, i) => {
      expect(Math.fround(value)).toBe(Math.fround(values[i]!));
      expect(value.toExponential().replace(/^-|e.*$|\./g, '').length).toBeLessThanOrEqual(9);
    });
    expect(JSON.stringify(float32Values([0.1, 1 / 3]))).toBe('[0.1,0.33333334]');
  });
});
