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
  it('keeps whole numbers (raw pixels, counts) as they are', () => {
    const whole = [0, 1, -3, 255, 65_535, 999_999];
    expect(float32Values(whole)).toEqual(whole);
    expect(JSON.stringify(float32Values([1_000_001.3]))).toBe('[1000001.3]');
  });

  it('keeps float32 precision in at most 9 significant digits', () => {
    const values = [0.1, -0.333333333333, 1 / 3, 12345.678901234, 0, 1e-30, 3.4e38, 0.5];
    const out = float32Values(values);
    out.forEach((value, i) => {
      expect(Math.fround(value)).toBe(Math.fround(values[i]!));
      expect(value.toExponential().replace(/^-|e.*$|\./g, '').length).toBeLessThanOrEqual(9);
    });
    expect(JSON.stringify(float32Values([0.1, 1 / 3]))).toBe('[0.1,0.33333334]');
  });

  it('writes as few digits as the string search of 6..9 digits, on 50,000 float32 values', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const digitsOf = (v: number) => v.toExponential().replace(/^-|e.*$|\./g, '').length;
    let fewerOrEqual = 0;
    const total = 50_000;
    let exact = 0;
    let short = 0;
    for (let i = 0; i < total; i++) {
      // Unit-vector coordinates, integers and values from 1e-12 to 1e12.
      const raw =
        i % 3 === 0
          ? random()
          : i % 3 === 1
            ? Math.round(random() * 255)
            : random() * 10 ** ((i % 25) - 12);
      const f = Math.fround(raw);
      const [value] = float32Values([raw]);
      if (Math.fround(value!) === f) exact++;
      let reference = f;
      for (let digits = 6; digits <= 9; digits++) {
        const candidate = Number(f.toPrecision(digits));
        if (Math.fround(candidate) === f) {
          reference = candidate;
          break;
        }
      }
      if (digitsOf(value!) <= 9) short++;
      if (digitsOf(value!) <= digitsOf(reference)) fewerOrEqual++;
    }
    expect({ exact, short, fewerOrEqual }).toEqual({
      exact: total,
      short: total,
      fewerOrEqual: total,
    });
  });
});
