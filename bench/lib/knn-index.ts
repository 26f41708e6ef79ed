import type { Client } from '@elastic/elasticsearch';
import { vectorValues, type Dataset } from '../data/dataset.js';
import { batches } from './item-payloads.js';
import { bulkLoad, indexSizeBytes, mergeToOneSegment } from './elasticsearch-node.js';

export type KnnIndexType = 'hnsw' | 'int8_hnsw';

export interface KnnIndexInfo {
  index: string;
  type: KnnIndexType;
  loadSeconds: number;
  mergeSeconds: number;
  sizeBytes: number;
}

/**
 * The items in an index of Elasticsearch's own: the same text fields and the vectors as
 * `dense_vector` (cosine, HNSW m=16, ef_construction=100), bulk-loaded and merged to one segment.
 * The vectors are left out of `_source` (as the gateway's flat fields are): a hit's fetch then
 * reads its title, not 784 JSON numbers.
 */
export async function buildKnnIndex(
  es: Client,
  data: Dataset,
  index: string,
  type: KnnIndexType,
  batchSize: number,
): Promise<KnnIndexInfo> {
  const vectorField = (dims: number) => ({
    type: 'dense_vector',
    dims,
    index: true,
    similarity: 'cosine',
    index_options: { type, m: 16, ef_construction: 100 },
  });
  if (await es.indices.exists({ index })) await es.indices.delete({ index });
  await es.indices.create({
    index,
    settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' },
    mappings: {
      dynamic: 'strict',
      _source: { excludes: ['image_vector', 'text_vector'] },
      properties: {
        id: { type: 'keyword' },
        title: { type: 'text', analyzer: 'standard' },
        text: { type: 'text', analyzer: 'standard' },
        tags: { type: 'keyword' },
        image_vector: vectorField(data.image.dim),
        ...(data.text ? { text_vector: vectorField(data.text.dim) } : {}),
      },
    } as never,
  });
  const started = performance.now();
  await bulkLoad(
    es,
    function* () {
      for (const [from, to] of batches(data.count, batchSize)) {
        const ops: unknown[] = [];
        for (let i = from; i < to; i++) {
          ops.push({ index: { _index: index, _id: data.ids[i] } });
          ops.push({
            id: data.ids[i],
            title: data.titles[i],
            text: data.texts[i],
            tags: data.tags[i],
            image_vector: vectorValues(data.image, i),
            ...(data.text ? { text_vector: vectorValues(data.text, i) } : {}),
          });
        }
        yield ops;
      }
    },
    2,
  );
  await es.indices.putSettings({ index, settings: { refresh_interval: '1s' } });
  await es.indices.refresh({ index });
  const loadSeconds = (performance.now() - started) / 1000;
  const mergeSeconds = await mergeToOneSegment(es, index);
  return { index, type, loadSeconds, mergeSeconds, sizeBytes: await indexSizeBytes(es, index) };
}

export interface KnnQueryOptions {
  numCandidates: number;
  /** Hits wanted (default 10). */
  k?: number;
  /** Quantized indexes: re-score `oversample` × k hits on the raw vectors (`rescore_vector`). */
  oversample?: number;
  /** Query vectors per query (default: the query items' own image vectors). */
  vectors?: number[][];
  /** Whether the query item is indexed and so dropped from the hits (default true). */
  excludeSelf?: boolean;
  /** Both image and text vectors (two knn clauses, scores summed). */
  multimodal?: boolean;
  /** Per query: the text every hit must match (title/text, like the gateway's textFilter). */
  textFilter?: (q: number) => string | null;
}

/** Native kNN for query q: k = 10, the query item itself excluded; returns hit ids. */
export function knnSearch(es: Client, index: string, data: Dataset, o: KnnQueryOptions) {
  const image = o.vectors ?? data.queries.map((i) => vectorValues(data.image, i));
  const wanted = o.k ?? 10;
  const excludeSelf = o.excludeSelf ?? true;
  const text = data.text ? data.queries.map((i) => vectorValues(data.text!, i)) : null;
  return async (q: number): Promise<string[]> => {
    const self = excludeSelf ? data.ids[data.queries[q]!]! : null;
    const filterText = o.textFilter?.(q) ?? null;
    // Without a filter, ask for one more and drop the query item (a filter would cost a pass
    // over every document); with a text filter, exclude it in the filter itself.
    const filter = filterText
      ? {
          bool: {
            filter: [
              {
                multi_match: {
                  query: filterText,
                  fields: ['title', 'text'],
                  type: 'cross_fields',
                  operator: 'and',
                },
              },
            ],
            must_not: self ? [{ ids: { values: [self] } }] : [],
          },
        }
      : undefined;
    const k = filter || !self ? wanted : wanted + 1;
    // Two clauses only sum the scores of documents both return: let each return num_candidates.
    const clauseK = o.multimodal ? Math.max(k, o.numCandidates) : k;
    const clause = (field: string, vector: number[]) => ({
      field,
      query_vector: vector,
      k: clauseK,
      num_candidates: Math.max(clauseK, o.numCandidates),
      ...(filter ? { filter } : {}),
      ...(o.oversample ? { rescore_vector: { oversample: o.oversample } } : {}),
    });
    const knn =
      o.multimodal && text
        ? [clause('image_vector', image[q]!), clause('text_vector', text[q]!)]
        : clause('image_vector', image[q]!);
    const response = await es.search({
      index,
      knn,
      size: k,
      _source: ['id', 'title'],
      track_total_hits: false,
    } as never);
    return response.hits.hits
      .map((h) => h._id!)
      .filter((id) => id !== self)
      .slice(0, wanted);
  };
}
