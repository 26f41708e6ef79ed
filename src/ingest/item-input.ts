import { ErrorCode, LshqlError } from '../domain/errors.js';
import {
  MODALITIES,
  modalitySpec,
  type Modality,
  type VectorInputField,
} from '../domain/modalities.js';
import { checkVector, MAX_VECTOR_LENGTH } from '../domain/vectors.js';
import type { StoredItem } from '../domain/item.js';

/** The fields of an input item other than its vectors. */
export interface ItemTextInput {
  id: string;
  title?: string | null;
  text?: string | null;
  tags?: readonly string[] | null;
}

/** An item as a client sends it (GraphQL `ItemInput`, a JSONL line of the CLI). */
export type ItemInput = ItemTextInput & Partial<Record<VectorInputField, readonly number[] | null>>;

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

export function vectorOf(
  input: ItemInput,
  modality: Modality,
): readonly number[] | null | undefined {
  return input[modalitySpec(modality).inputField];
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
