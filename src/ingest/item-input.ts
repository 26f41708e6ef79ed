import { ErrorCode, LshqlError } from '../errors.js';
import { MODALITIES, type Modality } from '../search/modality.js';
import type { StoredItem } from '../search/stored-item.js';

/** An item as a client sends it (GraphQL `ItemInput`, a JSONL line of the CLI). */
export interface ItemInput {
  id: string;
  title?: string | null;
  text?: string | null;
  tags?: readonly string[] | null;
  imageVector?: readonly number[] | null;
  textVector?: readonly number[] | null;
}

export interface ItemLimits {
  maxIdBytes: number;
  maxTextLength: number;
  maxTags: number;
  maxTagLength: number;
  maxVectorLength: number;
}

export const DEFAULT_ITEM_LIMITS: ItemLimits = {
  maxIdBytes: 512, // Elasticsearch's limit for _id
  maxTextLength: 100_000,
  maxTags: 100,
  maxTagLength: 256,
  maxVectorLength: 4096,
};

/** Largest finite 32-bit float: vector values are hashed (and best stored) as float32. */
const FLOAT32_MAX = 3.4028234663852886e38;

export function vectorOf(
  input: ItemInput,
  modality: Modality,
): readonly number[] | null | undefined {
  return modality === 'IMAGE' ? input.imageVector : input.textVector;
}

function fail(code: ErrorCode, message: string): never {
  throw new LshqlError(code, message);
}

/** Checks a vector's values and length; `expected` null means any length is accepted. */
export function checkVector(
  vector: readonly number[],
  modality: Modality,
  expected: number | null,
  limits: ItemLimits,
): void {
  if (vector.length === 0) fail(ErrorCode.BAD_USER_INPUT, `The ${modality} vector is empty.`);
  if (vector.length > limits.maxVectorLength) {
    fail(
      ErrorCode.BAD_USER_INPUT,
      `The ${modality} vector has ${vector.length} values; at most ${limits.maxVectorLength} are accepted.`,
    );
  }
  for (let i = 0; i < vector.length; i++) {
    const value = vector[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      fail(
        ErrorCode.BAD_USER_INPUT,
        `The ${modality} vector has a non-finite value at index ${i}.`,
      );
    }
    // Hashing works on 32-bit floats, and cosine similarity multiplies squared norms: a value
    // like 1e308 overflowed to Infinity/NaN there (a NaN score, an internal error on every query
    // re-ranking the item).
    if (Math.abs(value) > FLOAT32_MAX) {
      fail(
        ErrorCode.BAD_USER_INPUT,
        `The ${modality} vector has a value outside the 32-bit float range at index ${i}.`,
      );
    }
  }
  if (expected !== null && vector.length !== expected) {
    fail(
      ErrorCode.DIMENSION_MISMATCH,
      `The ${modality} vector has ${vector.length} values but ${modality} vectors here have ${expected}.`,
    );
  }
}

function optionalText(value: string | null | undefined, field: string, limits: ItemLimits) {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') fail(ErrorCode.BAD_USER_INPUT, `${field} must be a string.`);
  if (value.length > limits.maxTextLength) {
    fail(ErrorCode.BAD_USER_INPUT, `${field} is longer than ${limits.maxTextLength} characters.`);
  }
  return value;
}

/**
 * Validates one input item against the dimensions each modality uses and returns it in stored
 * form, not yet hashed. Throws an LshqlError naming what is wrong.
 */
export function toStoredItem(
  input: ItemInput,
  dimensions: Partial<Record<Modality, number | null>>,
  limits: ItemLimits = DEFAULT_ITEM_LIMITS,
): StoredItem {
  const id = input.id;
  if (typeof id !== 'string' || id.trim() === '')
    fail(ErrorCode.BAD_USER_INPUT, 'The id is empty.');
  if (Buffer.byteLength(id, 'utf8') > limits.maxIdBytes) {
    fail(ErrorCode.BAD_USER_INPUT, `The id is longer than ${limits.maxIdBytes} bytes.`);
  }
  const tags = input.tags ?? [];
  if (tags.length > limits.maxTags)
    fail(ErrorCode.BAD_USER_INPUT, `At most ${limits.maxTags} tags.`);
  for (const tag of tags) {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > limits.maxTagLength) {
      fail(ErrorCode.BAD_USER_INPUT, `Each tag must have 1 to ${limits.maxTagLength} characters.`);
    }
  }
  const item: StoredItem = {
    id,
    title: optionalText(input.title, 'title', limits),
    text: optionalText(input.text, 'text', limits),
    tags: [...tags],
    modalities: [],
    vectors: {},
    tokens: {},
    modelVersions: {},
  };
  for (const modality of MODALITIES) {
    const vector = vectorOf(input, modality);
    if (vector === null || vector === undefined) continue;
    checkVector(vector, modality, dimensions[modality] ?? null, limits);
    item.vectors[modality] = [...vector];
    item.modalities.push(modality);
  }
  return item;
}
