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

/** Exactly the characters of standard base64, padded or not. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * Decodes a vector sent as base64 of little-endian float32 values. Throws BAD_USER_INPUT when it
 * is not base64, empty, or not a whole number of 4-byte values.
 */
export function decodeBase64Vector(encoded: string, field: string): number[] {
  if (typeof encoded !== 'string' || !BASE64.test(encoded)) {
    fail(`${field} is not valid base64.`);
  }
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length === 0) fail(`${field} is empty.`);
  if (bytes.length % 4 !== 0) {
    fail(
      `${field} has ${bytes.length} bytes: not a whole number of float32 values (4 bytes each).`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vector = new Array<number>(bytes.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}
