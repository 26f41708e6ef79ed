import { LshHasher } from '../../src/lsh/hasher.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import type { StoredItem } from '../../src/domain/item.js';
import { toDocument, type ItemDocument } from '../../src/search/elasticsearch/item-document.js';
import { encodeVector } from '../../src/search/elasticsearch/vector-encoding.js';
import { vectorValues, type Dataset } from '../data/dataset.js';

/**
 * Item i as `ingestItems` takes it: vectors as float lists (JSON numbers), or with `base64` as
 * `imageVectorBase64` / `textVectorBase64` (little-endian float32).
 */
export function itemInput(
  data: Dataset,
  i: number,
  options: { base64?: boolean } = {},
): Record<string, unknown> {
  const item: Record<string, unknown> = {
    id: data.ids[i],
    title: data.titles[i],
    text: data.texts[i],
    tags: data.tags[i],
  };
  if (options.base64) {
    item.imageVectorBase64 = encodeVector(vectorValues(data.image, i));
    if (data.text) item.textVectorBase64 = encodeVector(vectorValues(data.text, i));
  } else {
    item.imageVector = vectorValues(data.image, i);
    if (data.text) item.textVector = vectorValues(data.text, i);
  }
  return item;
}

/** Tokens of every item for a model, computed ahead (for the pre-hashed bulk baseline). */
export function allTokens(data: Dataset, modality: 'IMAGE' | 'TEXT', model: LshModel): string[][] {
  const column = modality === 'IMAGE' ? data.image : data.text;
  if (!column) return [];
  const hasher = new LshHasher(model);
  const codes = new Int32Array(data.count * model.subspaces);
  hasher.hashBatchInto(column.data, data.count, codes);
  return Array.from({ length: data.count }, (_, i) => hasher.codesToTokens(codes, i));
}

/**
 * Item i as the gateway stores it in Elasticsearch, with tokens already computed: the document
 * is built by the gateway's own `toDocument` (base64 vectors in `_source`, float32 dense vectors
 * with at most 9 digits), so a raw bulk of it writes the same bytes as `ingestItems`.
 */
export function itemDocument(
  data: Dataset,
  i: number,
  tokens: { image: string[][]; text: string[][]; version: number },
): ItemDocument {
  const item: StoredItem = {
    id: data.ids[i]!,
    title: data.titles[i] ?? null,
    text: data.texts[i] ?? null,
    tags: data.tags[i] ?? [],
    modalities: data.text ? ['IMAGE', 'TEXT'] : ['IMAGE'],
    vectors: {
      IMAGE: vectorValues(data.image, i),
      ...(data.text ? { TEXT: vectorValues(data.text, i) } : {}),
    },
    tokens: {
      ...(tokens.image[i] ? { IMAGE: tokens.image[i] } : {}),
      ...(tokens.text[i] ? { TEXT: tokens.text[i] } : {}),
    },
    modelVersions: {
      ...(tokens.image[i] ? { IMAGE: tokens.version } : {}),
      ...(tokens.text[i] ? { TEXT: tokens.version } : {}),
    },
  };
  return toDocument(item);
}

/** Consecutive index ranges [from, to) of at most `size` items. */
export function* batches(count: number, size: number): Generator<[number, number]> {
  for (let from = 0; from < count; from += size) yield [from, Math.min(count, from + size)];
}
