import { ErrorCode, LshqlError } from './errors.js';
import type { Modality } from './modalities.js';

/** Longest vector accepted, in values. */
export const MAX_VECTOR_LENGTH = 4096;

/** Largest finite 32-bit float: vector values are hashed (and best stored) as float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

function fail(message: string, code: ErrorCode = ErrorCode.BAD_USER_INPUT): never {
  throw new LshqlError(code, message);
}

/** Checks a vector's values and length; `expected` null means any length is accepted. */
export function checkVector(
  vector: readonly number[],
  modality: Modality,
  expected: number | null,
  maxLength: number = MAX_VECTOR_LENGTH,
): void {
  if (vector.length === 0) fail(`The ${modality} vector is empty.`);
  if (vector.length > maxLength) {
    fail(`The ${modality} vector has ${vector.length} values; at most ${maxLength} are accepted.`);
  }
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(`The ${modality} vector has a non-finite value at index ${i}.`);
    }
    // Hashing works on 32-bit floats, and cosine similarity multiplies squared norms: a value
    // like 1e308 overflowed to Infinity/NaN there (a NaN score, an internal error on every query
    // re-ranking the item).
    if (Math.abs(value) > FLOAT32_MAX) {
      fail(`The ${modality} vector has a value outside the 32-bit float range at index ${i}.`);
    }
  }
  if (expected !== null && vector.length !== expected) {
    fail(
      `The ${modality} vector has ${vector.length} values but ${modality} vectors here have ${expected}.`,
      ErrorCode.DIMENSION_MISMATCH,
    );
  }
  // Cosine similarity needs a direction: a zero vector matches every item equally (score 0).
  let squaredNorm = 0;
  for (const value of vector) squaredNorm += value * value;
  if (squaredNorm === 0) {
    fail(
      `The ${modality} vector is all zeros (or its values are too small to square): it has no direction to compare by cosine. Send a vector with at least one value that is not 0.`,
    );
  }
}
