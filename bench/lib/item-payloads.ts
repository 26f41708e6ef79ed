import { LshHasher } from '../../src/lsh/hasher.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import { unitVector } from '../../src/lsh/vector-math.js';
import { encodeVector } from '../../src/search/elasticsearch/vector-encoding.js';
import { vectorValues, type Dataset } from '../data/dataset.js';

/** Item i as `ingestItems` takes it. */
export function itemInput(data: Dataset, i: number): Record<string, unknown> {
  return {
    id: data.ids[i],
    title: data.titles[i],
    text: data.texts[i],
    tags: data.tags[i],
    imageVector: vectorValues(data.image, i),
    ...(data.text ? { textVector: vectorValues(data.text, i) } : {}),
  };
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
 * Item i as the gateway stores it in Elasticsearch (the shape of ElasticsearchBackend's
 * documents, vectors encoded the same way), with tokens already computed.
 */
export function itemDocument(
  data: Dataset,
  i: number,
  tokens: { image: string[][]; text: string[][]; version: number },
): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    id: data.ids[i],
    title: data.titles[i],
    text: data.texts[i],
    tags: data.tags[i],
    modalities: data.text ? ['IMAGE', 'TEXT'] : ['IMAGE'],
    // Encoded as the gateway stores them.
    vectors: {
      image: encodeVector(vectorValues(data.image, i)),
      ...(data.text ? { text: encodeVector(vectorValues(data.text, i)) } : {}),
    },
    image_vector: unitVector(vectorValues(data.image, i)),
    ...(data.text ? { text_vector: unitVector(vectorValues(data.text, i)) } : {}),
  };
  if (tokens.image[i]) {
    doc.image_lsh = tokens.image[i];
    doc.image_model_version = tokens.version;
  }
  if (tokens.text[i]) {
    doc.text_lsh = tokens.text[i];
    doc.text_model_version = tokens.version;
  }
  return doc;
}

/** Consecutive index ranges [from, to) of at most `size` items. */
export function* batches(count: number, size: number): Generator<[number, number]> {
  for (let from = 0; from < count; from += size) yield [from, Math.min(count, from + size)];
}
