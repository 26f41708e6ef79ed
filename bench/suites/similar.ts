import { LshHasher } from '../../src/lsh/hasher.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import type { Dataset, GroundTruth } from '../data/dataset.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, RECIPE, section, type BenchContext } from '../lib/context.js';
import { mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { log, printTable, type Table, loadCells } from '../lib/format.js';
import { startGatewayProcess } from '../lib/gateway-process.js';
import { cachedModel, paramsLabel, PrefixAdmin, type LshParams } from '../lib/lsh-admin.js';
import { measureQueries, type PointResult } from '../lib/measure.js';
import { gatewaySimilar, gatewaySimilarToVector } from '../lib/query-clients.js';

export interface ModelConfig {
  params: LshParams;
  /** LSHQL_RERANK_DEPTH values to measure; 0 turns exact ranking off (token-match order). */
  depths: number[];
}

/** Model parameters measured through the gateway; the chosen defaults last (they stay active). */
export function modelConfigs(): ModelConfig[] {
  return [
    { params: RECIPE, depths: [0, CHOSEN_RERANK_DEPTH] },
    { params: { subspaces: 32, clusters: 16, rotate: true }, depths: [CHOSEN_RERANK_DEPTH] },
    { params: { subspaces: 16, clusters: 64, rotate: true }, depths: [CHOSEN_RERANK_DEPTH] },
    { params: { subspaces: 32, clusters: 256, rotate: true }, depths: [CHOSEN_RERANK_DEPTH] },
    { params: { subspaces: 8, clusters: 256, rotate: true }, depths: [CHOSEN_RERANK_DEPTH] },
    { params: CHOSEN, depths: [0, CHOSEN_RERANK_DEPTH] },
  ];
}

/** Codes of up to 10,000 corpus items and of the query items under a model (subspace-major rows). */
function sampleCodes(data: Dataset, model: LshModel) {
  const hasher = new LshHasher(model);
  const G = model.subspaces;
  const sample = Math.min(data.count, 10_000);
  const codes = new Int32Array(sample * G);
  hasher.hashBatchInto(data.image.data, sample, codes);
  const queries = data.queries.length;
  const qVectors = new Float32Array(queries * data.image.dim);
  data.queries.forEach((i, q) =>
    qVectors.set(
      data.image.data.subarray(i * data.image.dim, (i + 1) * data.image.dim),
      q * data.image.dim,
    ),
  );
  const qCodes = new Int32Array(queries * G);
  hasher.hashBatchInto(qVectors, queries, qCodes);
  return { G, sample, codes, queries, qCodes };
}

/**
 * Postings a query walks, as a multiple of N: Σ over the query's tokens of the share of items
 * holding that token (estimated on up to 10,000 items).
 */
export function postingsWalked(data: Dataset, model: LshModel): number {
  const { G, sample, codes, queries, qCodes } = sampleCodes(data, model);
  const df = new Float64Array(G * model.clusters);
  for (let i = 0; i < sample; i++)
    for (let g = 0; g < G; g++) df[g * model.clusters + codes[i * G + g]!]!++;
  let total = 0;
  for (let q = 0; q < queries; q++) {
    for (let g = 0; g < G; g++) total += df[g * model.clusters + qCodes[q * G + g]!]! / sample;
  }
  return total / queries;
}

/**
 * Candidates a query's exact ranking scores, as a share of N: the items sharing at least one
 * token with the query (up to 10,000 items, the first 100 queries).
 */
export function candidateShare(data: Dataset, model: LshModel): number {
  const { G, sample, codes, queries, qCodes } = sampleCodes(data, model);
  const measured = Math.min(queries, 100);
  let shared = 0;
  for (let q = 0; q < measured; q++) {
    for (let i = 0; i < sample; i++) {
      for (let g = 0; g < G; g++) {
        if (codes[i * G + g] === qCodes[q * G + g]) {
          shared++;
          break;
        }
      }
    }
  }
  return shared / (measured * sample);
}

/** How a rerank depth reads in the tables. */
export function rankingLabel(depth: number): string {
  return depth === 0 ? 'none (token order)' : `exact (k ${depth})`;
}

function row(
  label: string,
  depth: number,
  walked: number | null,
  candidates: number | null,
  r: PointResult,
) {
  return [
    label,
    rankingLabel(depth),
    walked === null ? '–' : `${walked.toFixed(2)}×N`,
    candidates === null ? '–' : `${(candidates * 100).toFixed(1)} %`,
    ...loadCells(r),
  ];
}

const SIMILAR_COLUMNS = [
  'model',
  'ranking',
  'postings walked',
  'candidates',
  'recall@10',
  'qps (8 clients)',
  'p50 ms',
  'p99 ms',
];

export interface SimilarPoint {
  params: LshParams;
  depth: number;
  result: PointResult;
}

/** Starts a gateway on `prefix` with a rerank depth, runs `fn`, stops it. */
async function withGateway<T>(
  ctx: BenchContext,
  prefix: string,
  env: { rerankDepth: number; probes?: number; extra?: Record<string, string> },
  fn: (url: string) => Promise<T>,
): Promise<T> {
  const gateway = await startGatewayProcess(ctx.repoDir, {
    elasticsearchUrl: ctx.esUrl,
    indexPrefix: prefix,
    ...env,
  });
  try {
    return await fn(gateway.url);
  } finally {
    await gateway.stop();
  }
}

export async function gatewayPoint(
  ctx: BenchContext,
  prefix: string,
  data: Dataset,
  truths: string[][],
  depth: number,
  /** The modalities to ask for; null omits the argument (every modality the item has). */
  modalities: ('IMAGE' | 'TEXT')[] | null = ['IMAGE'],
  /** Extra LSHQL_* settings of the gateway. */
  extra: Record<string, string> = {},
): Promise<PointResult> {
  return withGateway(ctx, prefix, { rerankDepth: depth, extra }, (url) =>
    measureQueries(ctx, gatewaySimilar(url, data, modalities ? { modalities } : {}), truths),
  );
}

/**
 * 2. Recall@10 and throughput of `similar` through the whole gateway (HTTP → GraphQL →
 * Elasticsearch → answer) for the recipe's parameters and others, with and without re-ranking.
 */
export async function similarBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
): Promise<SimilarPoint[]> {
  const admin = await PrefixAdmin.open(ctx.esUrl, mainPrefix);
  const points: SimilarPoint[] = [];
  const table: Table = {
    title: `\`similar(id, modalities: [IMAGE])\` through the gateway — ${data.name}`,
    columns: SIMILAR_COLUMNS,
    rows: [],
    note:
      '`more_like_this` with the product settings (min_term_freq 1, min_doc_freq 1, ' +
      'max_query_terms = tokens per item, minimum_should_match 1). Ranking "none" = the 10 ' +
      'best token matches in token-score order (the recipe, LSHQL_RERANK_DEPTH 0); "exact" = ' +
      'every candidate (item sharing a token) ranked by exact cosine inside Elasticsearch ' +
      '(flat `dense_vector`, `knn` filtered to the candidates). "postings walked": the summed ' +
      'share of items holding each query token (the token match’s cost); "candidates": the ' +
      'share of items sharing at least one token (the exact ranking’s cost).',
  };
  try {
    for (const config of modelConfigs()) {
      const model = cachedModel(ctx.cacheDir, data, 'IMAGE', config.params);
      log(
        `similar: activating IMAGE ${paramsLabel(config.params)} and re-hashing ${data.count} items`,
      );
      await admin.activateAndRehash('IMAGE', model);
      await mergeToOneSegment(ctx.es, admin.itemsAlias);
      const walked = postingsWalked(data, model);
      const candidates = candidateShare(data, model);
      for (const depth of config.depths) {
        log(`similar: ${paramsLabel(config.params)} rerank ${depth}`);
        const result = await gatewayPoint(ctx, mainPrefix, data, truth.image, depth);
        points.push({ params: config.params, depth, result });
        table.rows.push(row(paramsLabel(config.params), depth, walked, candidates, result));
        const recipe = config.params === RECIPE;
        ctx.plot.push({
          series: recipe ? 'gateway, recipe 32×16' : `gateway, ${paramsLabel(config.params)}`,
          label: depth === 0 ? 'token order' : 'exact',
          recall: result.recall,
          qps: result.qps,
        });
      }
    }
  } finally {
    await admin.close();
  }
  const s = section(
    ctx,
    '2. Recall@10 and throughput of `similar` through the gateway',
    'The gateway runs as a child process (`node --import tsx src/main.ts`), so the load ' +
      'generator does not share its event loop; 8 closed-loop clients over HTTP keep-alive.',
  );
  s.tables.push(table);
  printTable(table);

  return points;
}

/**
 * Both modalities (the default when `modalities` is omitted), the chosen model for each, with
 * per-modality `k` (LSHQL_RERANK_DEPTH) swept: each modality's clause scores only its k best
 * candidates, so the weighted mean is exact for candidates within every modality's k.
 */
export async function multimodalBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
) {
  if (!truth.multimodal) return;
  const table: Table = {
    title: `\`similar(id)\` on both modalities (IMAGE + TEXT, ${paramsLabel(CHOSEN)} each) — ${data.name}`,
    columns: SIMILAR_COLUMNS,
    rows: [],
    note:
      'Truth: exact top-10 by the mean of image and text cosine (what `similar` ranks by). ' +
      'k: how many best candidates each modality’s knn clause scores (LSHQL_RERANK_DEPTH).',
  };
  for (const depth of MULTIMODAL_DEPTHS) {
    log(`similar: both modalities, k ${depth}`);
    const mm = await gatewayPoint(ctx, mainPrefix, data, truth.multimodal, depth, null);
    table.rows.push(row(`${paramsLabel(CHOSEN)} ×2`, depth, null, null, mm));
    if (depth === CHOSEN_RERANK_DEPTH) {
      ctx.facts.multimodalRecall = mm.recall;
      ctx.facts.multimodalQps = mm.qps;
    }
  }
  section(ctx, 'Both modalities').tables.push(table);
  printTable(table);
}

/** Per-modality k measured on both modalities; the default among them. */
const MULTIMODAL_DEPTHS = [100, 1_000, 10_000];

/** Multi-probe: `similarToVector` with LSHQL_PROBES 1..3 (it applies to by-vector queries). */
export async function probesBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
) {
  const table: Table = {
    title: `Multi-probe: \`similarToVector(IMAGE)\` with the query item's vector — ${data.name}`,
    columns: [
      'model',
      'probes',
      'rerank depth',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
    ],
    rows: [],
    note:
      'Each request carries the 512 floats of the vector; 11 hits asked, the query item itself ' +
      'dropped. Probes p: each subspace also looks up its p−1 next-nearest centroids.',
  };
  for (const probes of [1, 2, 3]) {
    log(`probes: ${probes}`);
    const r = await withGateway(
      ctx,
      mainPrefix,
      { rerankDepth: CHOSEN_RERANK_DEPTH, probes },
      (url) => measureQueries(ctx, gatewaySimilarToVector(url, data), truth.image),
    );
    table.rows.push([paramsLabel(CHOSEN), probes, CHOSEN_RERANK_DEPTH, ...loadCells(r)]);
    ctx.plot.push({
      series: 'gateway similarToVector, probes',
      label: `probes ${probes}`,
      recall: r.recall,
      qps: r.qps,
    });
  }
  section(ctx, 'Multi-probe').tables.push(table);
  printTable(table);
}

/**
 * `more_like_this` settings (LSHQL_MLT_MINIMUM_SHOULD_MATCH, LSHQL_MLT_MAX_DOC_FREQ): fewer
 * candidates to rank exactly, at what cost in recall. Through the gateway, chosen model.
 */
export async function mltSettingsBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
) {
  const N = data.count;
  const settings: { label: string; env: Record<string, string> }[] = [
    { label: 'minimum_should_match 1 (default)', env: {} },
    { label: 'minimum_should_match 2', env: { LSHQL_MLT_MINIMUM_SHOULD_MATCH: '2' } },
    { label: 'minimum_should_match 3', env: { LSHQL_MLT_MINIMUM_SHOULD_MATCH: '3' } },
    { label: 'minimum_should_match 25%', env: { LSHQL_MLT_MINIMUM_SHOULD_MATCH: '25%' } },
    {
      label: `max_doc_freq 1% of N (${Math.round(N / 100)})`,
      env: { LSHQL_MLT_MAX_DOC_FREQ: String(Math.round(N / 100)) },
    },
  ];
  const table: Table = {
    title: `\`more_like_this\` settings, ${paramsLabel(CHOSEN)}, exact ranking — ${data.name}`,
    columns: ['settings', 'recall@10', 'qps (8 clients)', 'p50 ms', 'p99 ms'],
    rows: [],
    note:
      'minimum_should_match: tokens a candidate must share with the query; max_doc_freq: tokens ' +
      'held by more items are ignored. Both shrink the candidate set the exact ranking scores.',
  };
  for (const s of settings) {
    log(`mlt settings: ${s.label}`);
    const r = await gatewayPoint(
      ctx,
      mainPrefix,
      data,
      truth.image,
      CHOSEN_RERANK_DEPTH,
      ['IMAGE'],
      s.env,
    );
    table.rows.push([s.label, ...loadCells(r)]);
  }
  section(ctx, '`more_like_this` settings').tables.push(table);
  printTable(table);
}
