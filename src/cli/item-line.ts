import { ErrorCode } from '../domain/errors.js';
import type { ItemInput } from '../ingest/item-input.js';
import { MODALITY_TABLE } from '../domain/modalities.js';

/** The fields of an item line; any other field is ignored (and reported once). */
export const ITEM_FIELDS: readonly string[] = [
  'id',
  'title',
  'text',
  'tags',
  ...MODALITY_TABLE.flatMap((m) => [m.inputField, m.base64InputField]),
];
const KNOWN = new Set<string>(ITEM_FIELDS);

export type ItemLine =
  | { ok: true; item: ItemInput; unknownFields: string[] }
  | { ok: false; id?: string; code: string; message: string };

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/**
 * Checks the shape of a parsed line as GraphQL would check an `ItemInput`: an object with a
 * string `id`, string `title`/`text`, an array of strings as `tags`, arrays of numbers as
 * vectors (each may be null or absent). Values (lengths, dimensions, finiteness) are the ingest
 * service's to check.
 */
export function toItemInput(value: unknown): ItemLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return {
      ok: false,
      code: ErrorCode.BAD_USER_INPUT,
      message: `expected a JSON object with a string "id", got ${kind}`,
    };
  }
  const o = value as Record<string, unknown>;
  if (typeof o.id !== 'string') {
    return {
      ok: false,
      code: ErrorCode.BAD_USER_INPUT,
      message:
        o.id === undefined
          ? 'the object has no "id"'
          : `"id" must be a string, got ${JSON.stringify(o.id)}`,
    };
  }
  const id = o.id;
  const bad = (message: string): ItemLine => ({
    ok: false,
    id,
    code: ErrorCode.BAD_USER_INPUT,
    message,
  });
  for (const field of ['title', 'text'] as const) {
    const v = o[field];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return bad(`"${field}" must be a string or null`);
    }
  }
  if (o.tags !== undefined && o.tags !== null && !isStringArray(o.tags)) {
    return bad('"tags" must be an array of strings or null');
  }
  for (const { inputField: field, base64InputField } of MODALITY_TABLE) {
    const v = o[field];
    if (v !== undefined && v !== null && !isNumberArray(v)) {
      return bad(`"${field}" must be an array of numbers or null`);
    }
    const b = o[base64InputField];
    if (b !== undefined && b !== null && typeof b !== 'string') {
      return bad(`"${base64InputField}" must be a base64 string or null`);
    }
  }
  const item: ItemInput = {
    id,
    title: (o.title as string | null | undefined) ?? null,
    text: (o.text as string | null | undefined) ?? null,
    tags: (o.tags as string[] | null | undefined) ?? null,
  };
  for (const { inputField, base64InputField } of MODALITY_TABLE) {
    item[inputField] = (o[inputField] as number[] | null | undefined) ?? null;
    const base64 = o[base64InputField];
    if (typeof base64 === 'string') item[base64InputField] = base64;
  }
  return { ok: true, item, unknownFields: Object.keys(o).filter((k) => !KNOWN.has(k)) };
}
