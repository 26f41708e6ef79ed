import { describe, expect, it } from 'vitest';
import { LshqlError } from '../../src/domain/errors.js';
import { checkVector } from '../../src/domain/vectors.js';

function codeOf(run: () => void): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof LshqlError) return error.code;
    throw error;
  }
  return undefined;
}

describe('checkVector', () => {
  it('accepts a vector with one value that is not 0', () => {
    expect(codeOf(() => checkVector([0, 0, 1e-30], 'IMAGE', 3))).toBeUndefined();
  });

  it.each([
    ['all zeros', [0, 0, 0]],
    ['negative zeros', [-0, 0, -0]],
    ['values whose squares underflow', [5e-324, -5e-324, 0]],
  ])('refuses %s: the vector has no direction', (_label, vector) => {
    expect(codeOf(() => checkVector(vector, 'TEXT', 3))).toBe('BAD_USER_INPUT');
    expect(() => checkVector(vector, 'TEXT', 3)).toThrow(/TEXT vector is all zeros/);
  });

  it('reports a wrong length before zeros', () => {
    expect(codeOf(() => checkVector([0, 0], 'IMAGE', 3))).toBe('DIMENSION_MISMATCH');
  });
});
