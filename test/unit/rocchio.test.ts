import { describe, expect, it } from 'vitest';
import { rocchioVector } from '../../src/search/rocchio.js';

describe('rocchioVector', () => {
  it('is the mean of the unit liked vectors without unliked ones', () => {
    expect(
      rocchioVector(
        [
          [2, 0],
          [0, 5],
        ],
        [],
      ),
    ).toEqual([0.5, 0.5]);
  });

  it('subtracts the mean of the unit unliked vectors', () => {
    const v = rocchioVector(
      [[3, 0]],
      [
        [0, 2],
        [0, -4],
        [0, 1],
      ],
    );
    expect(v[0]).toBeCloseTo(1, 12);
    expect(v[1]).toBeCloseTo(-1 / 3, 12);
  });

  it('gives a zero vector when the same direction is liked and unliked', () => {
    expect(rocchioVector([[1, 1]], [[2, 2]]).every((x) => Math.abs(x) < 1e-12)).toBe(true);
  });
});
