import { LshHasher } from '../../src/lsh/hasher.js';
import { vectorValues, type Dataset, type GroundTruth } from '../data/dataset.js';
import { normalizedRows } from '../data/ground-truth.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, section, type BenchContext } from '../lib/context.js';
import { bulkLoad, mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { log, printTable, type Table, loadCells } from '../lib/format.js';
import { batches } from '../lib/item-payloads.js';
import { cachedModel, paramsLabel, type LshParams } from '../lib/lsh-admin.js';
import { measureQueries } from '../lib/measure.js';
import { queryClient } from '../lib/query-clients.js';

const R32x16: LshParams = { subspaces: 32, clusters: 16, rotate: true };

interface Variant {
  params: LshParams;
  /** Codes joined per token (1 = the product's tokens). */
  k: number;
  /** `more_like_this` (the product's request) or a plain bool of `term` clauses. */
  query: 'mlt' | 'terms';
  /**
   * How the vectors for re-ranking travel: JSON numbers in `_source` (the product), base64
   * float32 in `_source`, or a `binary` doc-values field read with `docvalue_fields` (no
   * `_source` parsing at all).
   */
  vectors: 'json' | 'base64' | 'docvalues';
  depth: number;
}

const VARIANTS: Variant[] = [
  { params: CHOSEN, k: 1, query: 'mlt', vectors: 'json', depth: CHOSEN_RERANK_DEPTH },
  { params: CHOSEN, k: 1, query: 'terms', vectors: 'json', depth: CHOSEN_RERANK_DEPTH },
  { params: CHOSEN, k: 1, query: 'mlt', vectors: 'base64', depth: CHOSEN_RERANK_DEPTH },
  { params: CHOSEN, k: 1, query: 'mlt', vectors: 'docvalues', depth: CHOSEN_RERANK_DEPTH },
  { params: CHOSEN, k: 1, query: 'terms', vectors: 'docvalues', depth: CHOSEN_RERANK_DEPTH },
  { params: R32x16, k: 1, query: 'mlt', vectors: 'json', depth: CHOSEN_RERANK_DEPTH },
  { params: R32x16, k: 2, query: 'mlt', vectors: 'json', depth: CHOSEN_RERANK_DEPTH },
  { params: R32x16, k: 3, query: 'mlt', vectors: 'json', depth: CHOSEN_RERANK_DEPTH },
  { params: R32x16, k: 4, query: 'mlt', vectors: 'json', depth: CHOSEN_RERANK_DEPTH },
  { params: R32x16, k: 2, query: 'terms', vectors: 'docvalues', depth: 50 },
];

/** L = ⌊G / k⌋ bands; band b joins the codes of subspaces bk .. bk+k−1 into one token. */
function bandTokens(codes: Int32Array, i: number, G: number, k: number): string[] {
  const tokens: string[] = [];
  for (let b = 0; b + k <= G; b += k) {
    let t = `${b / k}`;
    for (let j = 0; j < k; j++) t += `-${codes[i * G + b + j]!}`;
    tokens.push(t);
  }
  return tokens;
}

interface HarnessDoc {
  v?: { json?: number[]; b64?: string };
}

function cosineToUnit(unit: Float32Array, offset: number, v: ArrayLike<number>): number {
  let dot = 0;
  let norm = 0;
  for (let j = 0; j < v.length; j++) {
    dot += unit[offset + j]! * v[j]!;
    norm += v[j]! * v[j]!;
  }
  return norm > 0 ? dot / Math.sqrt(norm) : 0;
}

function decodeBase64(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Levers the product does not have yet, measured on an index of the benchmark's own (one keyword
 * field of tokens, the image vector in `_source` both as JSON numbers and as base64 float32),
 * with requests like the gateway's sent straight from this process and the top candidates
 * re-ranked by exact cosine here: LSH bands (tokens joining k subspace codes), a plain bool of
 * `term` clauses instead of `more_like_this`, and compact vectors for re-ranking.
 */
export async function bandsBenchmark(ctx: BenchContext, data: Dataset, truth: GroundTruth) {
  const client = queryClient(ctx.esUrl);
  const dim = data.image.dim;
  const unit = normalizedRows(data.image, data.count);
  const table: Table = {
    title: `Token and request variants — ${data.name}, direct requests from the benchmark process`,
    columns: [
      'model',
      'k',
      'bands L',
      'query',
      'vectors as',
      'rerank depth',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
    ],
    rows: [],
    note:
      'Not in the product yet; an index of the benchmark’s own (tokens + the image vector only). ' +
      'Vectors as `json`: numbers in `_source`; `base64`: float32 bytes as a base64 string in ' +
      '`_source` (how the gateway stores them now); `docvalues`: the same bytes in a `binary` field with ' +
      'doc values, fetched with `docvalue_fields` and `_source: false`. ' +
      '`mlt`: `more_like_this` on the query item’s tokens (min_term_freq 1, min_doc_freq 1, ' +
      'minimum_should_match 1); `terms`: `bool.should` of one `term` per token (BM25, ' +
      'minimum_should_match 1). The query item is excluded; the top candidates are re-ranked by ' +
      'exact cosine here. The first row is the product’s request in this harness: compare rows ' +
      'with it, not with the gateway tables.',
  };
  let built = '';
  const index = `${ctx.prefix}-variants`;
  let codes = new Int32Array(0);
  try {
    for (const v of VARIANTS) {
      const model = cachedModel(ctx.cacheDir, data, 'IMAGE', v.params);
      const G = model.subspaces;
      const key = `${paramsLabel(v.params)} k${v.k}`;
      if (built !== key) {
        codes = new Int32Array(data.count * G);
        new LshHasher(model).hashBatchInto(data.image.data, data.count, codes);
        if (await ctx.es.indices.exists({ index })) await ctx.es.indices.delete({ index });
        await ctx.es.indices.create({
          index,
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: {
            dynamic: 'strict',
            properties: {
              lsh: { type: 'keyword' },
              v: { type: 'object', enabled: false },
              vb: { type: 'binary', doc_values: true },
            },
          } as never,
        });
        log(`variants: indexing ${key}`);
        const c = codes;
        await bulkLoad(
          ctx.es,
          function* () {
            for (const [from, to] of batches(data.count, ctx.size.ingestBatch)) {
              const ops: unknown[] = [];
              for (let i = from; i < to; i++) {
                const f32 = data.image.data.subarray(i * dim, (i + 1) * dim);
                const b64 = Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength).toString(
                  'base64',
                );
                ops.push({ index: { _index: index, _id: data.ids[i] } });
                ops.push({
                  lsh: bandTokens(c, i, G, v.k),
                  v: { json: vectorValues(data.image, i), b64 },
                  vb: b64,
                });
              }
              yield ops;
            }
          },
          2,
        );
        await mergeToOneSegment(ctx.es, index);
        built = key;
      }
      log(`variants: ${key} ${v.query} ${v.vectors} rerank ${v.depth}`);
      const c = codes;
      const answer = async (q: number): Promise<string[]> => {
        const i = data.queries[q]!;
        const tokens = bandTokens(c, i, G, v.k);
        const should =
          v.query === 'mlt'
            ? [
                {
                  more_like_this: {
                    fields: ['lsh'],
                    like: [{ _index: index, doc: { lsh: tokens } }],
                    min_term_freq: 1,
                    min_doc_freq: 1,
                    max_query_terms: tokens.length,
                    minimum_should_match: '1',
                  },
                },
              ]
            : tokens.map((t) => ({ term: { lsh: t } }));
        const response = await client.search<HarnessDoc>({
          index,
          size: Math.max(10, v.depth),
          track_total_hits: false,
          query: {
            bool: {
              should,
              minimum_should_match: 1,
              must_not: [{ ids: { values: [data.ids[i]!] } }],
            },
          },
          ...(v.vectors === 'docvalues'
            ? { _source: false, docvalue_fields: ['vb'] }
            : { _source: [v.vectors === 'json' ? 'v.json' : 'v.b64'] }),
        });
        return response.hits.hits
          .map((h) => {
            const b64 =
              v.vectors === 'docvalues'
                ? (h.fields?.vb as string[] | undefined)?.[0]
                : h._source?.v?.b64;
            const stored = v.vectors === 'json' ? h._source?.v?.json : b64 && decodeBase64(b64);
            return { id: h._id!, s: stored ? cosineToUnit(unit, i * dim, stored) : -2 };
          })
          .sort((a, b) => b.s - a.s)
          .slice(0, 10)
          .map((h) => h.id);
      };
      const r = await measureQueries(ctx, answer, truth.image);
      table.rows.push([
        paramsLabel(v.params),
        v.k,
        Math.floor(G / v.k),
        v.query,
        v.vectors,
        v.depth,
        ...loadCells(r),
      ]);
    }
  } finally {
    await client.close();
    if (await ctx.es.indices.exists({ index })) await ctx.es.indices.delete({ index });
  }
  section(
    ctx,
    'Levers the product does not have yet: bands, term queries, compact vectors',
  ).tables.push(table);
  printTable(table);
}
