import { LshHasher } from '../../src/lsh/hash.js';
import { cosineSimilarity } from '../../src/lsh/vector-math.js';
import { vectorValues, type Dataset, type GroundTruth } from '../data/dataset.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, section, type BenchContext } from '../lib/context.js';
import { bulkLoad, mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { fmtMs, fmtQps, fmtRecall, log, printTable, type Table } from '../lib/format.js';
import { batches } from '../lib/item-payloads.js';
import { cachedModel, paramsLabel, type LshParams } from '../lib/lsh-admin.js';
import { measureQueries } from '../lib/measure.js';
import { queryClient } from '../lib/query-clients.js';

interface BandConfig {
  params: LshParams;
  /** Codes joined per token (1 = the product's tokens). */
  k: number;
}

const CONFIGS: BandConfig[] = [
  { params: CHOSEN, k: 1 },
  { params: { subspaces: 32, clusters: 16, rotate: true }, k: 1 },
  { params: { subspaces: 32, clusters: 16, rotate: true }, k: 2 },
  { params: { subspaces: 32, clusters: 16, rotate: true }, k: 3 },
  { params: { subspaces: 32, clusters: 16, rotate: true }, k: 4 },
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

interface BandDoc {
  vector: number[];
}

/**
 * LSH bands, which the product does not have yet: tokens joining k subspace codes (L = G/k
 * bands), a much rarer token per band. Measured on an index of the benchmark's own (one keyword
 * field of band tokens, vectors in `_source`) with the same kind of request as the gateway's
 * (`more_like_this` on the query's tokens, minimum_should_match 1, top candidates re-ranked by
 * exact cosine in this process).
 */
export async function bandsBenchmark(ctx: BenchContext, data: Dataset, truth: GroundTruth) {
  const client = queryClient(ctx.esUrl);
  const table: Table = {
    title: `LSH bands (k codes per token) — ${data.name}, direct requests from the benchmark process`,
    columns: [
      'model',
      'k',
      'bands L',
      'rerank depth',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
    ],
    rows: [],
    note:
      'Not in the product yet: an index of the benchmark’s own holds the band tokens; each query ' +
      'is `more_like_this` (like: the query item’s band tokens, min_term_freq 1, min_doc_freq 1, ' +
      'minimum_should_match 1, query item excluded), its top candidates re-ranked by cosine here. ' +
      'k = 1 rows are the product’s tokens in the same harness, for comparison.',
  };
  try {
    for (const config of CONFIGS) {
      const model = cachedModel(ctx.cacheDir, data, 'IMAGE', config.params);
      const G = model.subspaces;
      const hasher = new LshHasher(model);
      const codes = new Int32Array(data.count * G);
      hasher.hashBatchInto(data.image.data, data.count, codes);
      const index = `${ctx.prefix}-bands`;
      if (await ctx.es.indices.exists({ index })) await ctx.es.indices.delete({ index });
      await ctx.es.indices.create({
        index,
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: {
          dynamic: 'strict',
          properties: { lsh: { type: 'keyword' }, vector: { type: 'object', enabled: false } },
        } as never,
      });
      log(`bands: ${paramsLabel(config.params)} k = ${config.k}`);
      await bulkLoad(
        ctx.es,
        function* () {
          for (const [from, to] of batches(data.count, ctx.size.ingestBatch)) {
            const ops: unknown[] = [];
            for (let i = from; i < to; i++) {
              ops.push({ index: { _index: index, _id: data.ids[i] } });
              ops.push({
                lsh: bandTokens(codes, i, G, config.k),
                vector: vectorValues(data.image, i),
              });
            }
            yield ops;
          }
        },
        2,
      );
      await mergeToOneSegment(ctx.es, index);
      const L = Math.floor(G / config.k);
      const queryVectors = data.queries.map((i) => vectorValues(data.image, i));
      const answer = async (q: number): Promise<string[]> => {
        const i = data.queries[q]!;
        const tokens = bandTokens(codes, i, G, config.k);
        const response = await client.search<BandDoc>({
          index,
          size: Math.max(10, CHOSEN_RERANK_DEPTH),
          track_total_hits: false,
          query: {
            bool: {
              should: [
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
              ],
              minimum_should_match: 1,
              must_not: [{ ids: { values: [data.ids[i]!] } }],
            },
          },
          _source: ['vector'],
        });
        const qv = queryVectors[q]!;
        return response.hits.hits
          .map((h) => ({ id: h._id!, s: h._source ? cosineSimilarity(qv, h._source.vector) : -2 }))
          .sort((a, b) => b.s - a.s)
          .slice(0, 10)
          .map((h) => h.id);
      };
      const r = await measureQueries(ctx, answer, truth.image);
      table.rows.push([
        paramsLabel(config.params),
        config.k,
        L,
        CHOSEN_RERANK_DEPTH,
        fmtRecall(r.recall),
        fmtQps(r.qps),
        fmtMs(r.p50Ms),
        fmtMs(r.p99Ms),
      ]);
      if (config.params !== CHOSEN) {
        ctx.plot.push({
          series: 'direct, bands of 32×16 rot',
          label: `k ${config.k}`,
          recall: r.recall,
          qps: r.qps,
        });
      }
      await ctx.es.indices.delete({ index });
    }
  } finally {
    await client.close();
  }
  section(ctx, 'LSH bands (a lever the product does not have yet)').tables.push(table);
  printTable(table);
}
