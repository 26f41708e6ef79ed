import { ErrorCode, LshqlError } from '../domain/errors.js';
import {
  MODALITIES,
  modalitySpec,
  type Base64VectorInputField,
  type Modality,
  type VectorInputField,
} from '../domain/modalities.js';
import { checkVector, decodeBase64Vector, MAX_VECTOR_LENGTH } from '../domain/vectors.js';
import type { StoredItem } from '../domain/item.js';

/** The fields of an input item other than its vectors. */
export interface ItemTextInput {
  id: string;
  title?: string | null;
  text?: string | null;
  tags?: readonly string[] | null;
}

/** An item as a client sends it (GraphQL `ItemInput`, a JSONL line of the CLI). */
export type ItemInput = ItemTextInput &
  Partial<Record<VectorInputField, readonly number[] | null>> &
  /** The same vectors as base64 of little-endian float32 values. */
  Partial<Record<Base64VectorInputField, string | null>>;

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
  maxVectorLength: MAX_VECTOR_LENGTH,
};

/**
 * The vector of `modality` an input item carries, as a number list or as base64 float32 (one of
 * them, not both: BAD_USER_INPUT); null when it has none.
 */
export function vectorOf(input: ItemInput, modality: Modality): readonly number[] | null {
  const spec = modalitySpec(modality);
  const list = input[spec.inputField];
  const base64 = input[spec.base64InputField];
  const hasList = list !== null && list !== undefined;
  const hasBase64 = base64 !== null && base64 !== undefined;
  if (hasList && hasBase64) {
    fail(
      ErrorCode.BAD_USER_INPUT,
      `Give ${spec.inputField} or ${spec.base64InputField}, not both.`,
    );
  }
  if (hasBase64) return decodeBase64Vector(base64, spec.base64InputField);
  return hasList ? list : null;
}

function fail(code: ErrorCode, message: string): never {
  throw new LshqlError(code, message);
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
    checkVector(vector, modality, dimensions[modality] ?? null, limits.maxVectorLength);
    item.vectors[modality] = [...vector];
    item.modalities.push(modality);
  }
  return item;
}
