import { describe, it, expect } from 'vitest';
import { subspaceBounds } from '../../../src/lsh/subspaces.js';

function sizes(bounds: Int32Array): number[] {
  const out: number[] = [];
  for (let g = 0; g + 1 < bounds.length; g++) out.push(bounds[g + 1]! - bounds[g]!);
  return out;
}

describe('subspaceBounds', () => {
  it('splits evenly when dim is a multiple of subspaces', () => {
    const b = subspaceBounds(512, 16);
    expect(b).toBeInstanceOf(Int32Array);
    expect(b.length).toBe(17);
    expect(sizes(b)).toEqual(new Array(16).fill(32));
    expect(b[0]).toBe(0);
    expect(b[16]).toBe(512);
  });

  it('gives the first dim % G slices one extra coordinate', () => {
    expect(Array.from(subspaceBounds(10, 3))).toEqual([0, 4, 7, 10]);
    expect(sizes(subspaceBounds(784, 32))).toEqual([
      ...new Array<number>(16).fill(25),
      ...new Array<number>(16).fill(24),
    ]);
  });

  it('covers [0, dim) contiguously with sizes differing by at most one', () => {
    for (const dim of [1, 2, 7, 10, 64, 100, 257, 784]) {
      for (const G of [1, 2, 3, 5, 7, 16, 32, dim]) {
        if (G > dim) continue;
        const b = subspaceBounds(dim, G);
        expect(b.length).toBe(G + 1);
        expect(b[0]).toBe(0);
        expect(b[G]).toBe(dim);
        const s = sizes(b);
        expect(Math.min(...s)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...s) - Math.min(...s)).toBeLessThanOrEqual(1);
        // Wider slices come first.
        expect([...s].sort((x, y) => y - x)).toEqual(s);
      }
    }
  });

  it('allows one coordinate per subspace', () => {
    expect(Array.from(subspaceBounds(4, 4))).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects subspaces outside 1..dim and non-integers', () => {
    expect(() => subspaceBounds(10, 0)).toThrow(RangeError);
    expect(() => subspaceBounds(10, 11)).toThrow(RangeError);
    expect(() => subspaceBounds(10, 2.5)).toThrow(RangeError);
    expect(() => subspaceBounds(0, 1)).toThrow(RangeError);
    expect(() => subspaceBounds(10, 11)).toThrow(/between 1 and dim \(10\)/);
  });
});
