import { LshHasher } from '../../src/lsh/hash.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import { SimilarService } from '../../src/search/similar-service.js';
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
  /** Rerank depths to measure; 1 means no re-ranking beyond the 10 token-match hits. */
  depths: number[];
}

/** Model parameters measured through the gateway; the chosen defaults last (they stay active). */
export function modelConfigs(): ModelConfig[] {
  return [
    { params: RECIPE, depths: [1, 100, 500] },
    { params: { subspaces: 32, clusters: 16, rotate: true }, depths: [100] },
    { params: { subspaces: 16, clusters: 64, rotate: true }, depths: [100] },
    { params: { subspaces: 32, clusters: 256, rotate: true }, depths: [100] },
    { params: { subspaces: 8, clusters: 256, rotate: true }, depths: [100] },
    { params: CHOSEN, depths: [1, 25, 50, CHOSEN_RERANK_DEPTH, 200, 500] },
  ];
}

/**
 * Postings a query walks, as a multiple of N: Σ over the query's tokens of the share of items
 * holding that token (estimated on up to 10,000 items).
 */
export function postingsWalked(data: Dataset, model: LshModel): number {
  const hasher = new LshHasher(model);
  const G = model.subspaces;
  const sample = Math.min(data.count, 10_000);
  const codes = new Int32Array(sample * G);
  hasher.hashBatchInto(data.image.data, sample, codes);
  const df = new Float64Array(G * model.clusters);
  for (let i = 0; i < sample; i++)
    for (let g = 0; g < G; g++) df[g * model.clusters + codes[i * G + g]!]!++;
  const qCodes = new Int32Array(data.queries.length * G);
  const qVectors = new Float32Array(data.queries.length * data.image.dim);
  data.queries.forEach((i, q) =>
    qVectors.set(
      data.image.data.subarray(i * data.image.dim, (i + 1) * data.image.dim),
      q * data.image.dim,
    ),
  );
  hasher.hashBatchInto(qVectors, data.queries.length, qCodes);
  let total = 0;
  for (let q = 0; q < data.queries.length; q++) {
    for (let g = 0; g < G; g++) total += df[g * model.clusters + qCodes[q * G + g]!]! / sample;
  }
  return total / data.queries.length;
}

function row(label: string, depth: number | string, walked: number | null, r: PointResult) {
  return [
    label,
    depth === 1 ? 'none (top 10)' : String(depth),
    walked === null ? '–' : `${walked.toFixed(2)}×N`,
    ...loadCells(r),
  ];
}

export interface SimilarPoint {
  params: LshParams;
  depth: number;
  result: PointResult;
}

/** Starts a gateway on `prefix` with a rerank depth, runs `fn`, stops it. */
async function withGateway<T>(
  ctx: BenchContext,
  prefix: string,
  env: { rerankDepth: number; probes?: number },
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
): Promise<PointResult> {
  return withGateway(ctx, prefix, { rerankDepth: depth }, (url) =>
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
    columns: [
      'model',
      'rerank depth',
      'postings walked',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
    ],
    rows: [],
    note:
      '`more_like_this` with the product settings (min_term_freq 1, min_doc_freq 1, ' +
      'max_query_terms = tokens per item, minimum_should_match 1). "none" = the 10 best token ' +
      'matches as they come (the recipe); otherwise that many token-match candidates are ' +
      're-ranked by exact cosine on their stored vectors. "postings walked": the summed share ' +
      'of items holding each query token.',
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
      for (const depth of config.depths) {
        log(`similar: ${paramsLabel(config.params)} rerank ${depth}`);
        const result = await gatewayPoint(ctx, mainPrefix, data, truth.image, depth);
        points.push({ params: config.params, depth, result });
        table.rows.push(row(paramsLabel(config.params), depth, walked, result));
        const recipe = config.params === RECIPE;
        ctx.plot.push({
          series: recipe ? 'gateway, recipe 32×16' : `gateway, ${paramsLabel(config.params)}`,
          label: depth === 1 ? 'no rerank' : `rerank ${depth}`,
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

  // Both modalities (the default when `modalities` is omitted), the chosen model for each.
  if (truth.multimodal) {
    log('similar: both modalities');
    const mm = await gatewayPoint(
      ctx,
      mainPrefix,
      data,
      truth.multimodal,
      CHOSEN_RERANK_DEPTH,
      null,
    );
    const mmTable: Table = {
      title: `\`similar(id)\` on both modalities (IMAGE + TEXT, ${paramsLabel(CHOSEN)} each) — ${data.name}`,
      columns: [
        'model',
        'rerank depth',
        'postings walked',
        'recall@10',
        'qps (8 clients)',
        'p50 ms',
        'p99 ms',
      ],
      rows: [row(`${paramsLabel(CHOSEN)} ×2`, CHOSEN_RERANK_DEPTH, null, mm)],
      note: 'Truth: exact top-10 by the mean of image and text cosine (what `similar` ranks by).',
    };
    ctx.facts.multimodalRecall = mm.recall;
    ctx.facts.multimodalQps = mm.qps;
    s.tables.push(mmTable);
    printTable(mmTable);
  }
  return points;
}

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
 * `more_like_this` settings the gateway does not expose yet (minimum_should_match, max_doc_freq):
 * measured with the product's SimilarService in this process (no HTTP), against the same
 * service with the current settings.
 */
export async function mltSettingsBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
) {
  const admin = await PrefixAdmin.open(ctx.esUrl, mainPrefix);
  const N = data.count;
  const settings: {
    label: string;
    mlt: { minimumShouldMatch?: string; maxDocFreq?: number };
    depth: number;
  }[] = [
    { label: 'current: minimum_should_match 1', mlt: {}, depth: CHOSEN_RERANK_DEPTH },
    {
      label: 'minimum_should_match 2',
      mlt: { minimumShouldMatch: '2' },
      depth: CHOSEN_RERANK_DEPTH,
    },
    {
      label: 'minimum_should_match 3',
      mlt: { minimumShouldMatch: '3' },
      depth: CHOSEN_RERANK_DEPTH,
    },
    {
      label: 'minimum_should_match 25%',
      mlt: { minimumShouldMatch: '25%' },
      depth: CHOSEN_RERANK_DEPTH,
    },
    {
      label: `max_doc_freq 1% of N (${Math.round(N / 100)})`,
      mlt: { maxDocFreq: Math.round(N / 100) },
      depth: CHOSEN_RERANK_DEPTH,
    },
    {
      label: `max_doc_freq 0.5% of N (${Math.round(N / 200)})`,
      mlt: { maxDocFreq: Math.round(N / 200) },
      depth: CHOSEN_RERANK_DEPTH,
    },
    { label: 'minimum_should_match 2, rerank 50', mlt: { minimumShouldMatch: '2' }, depth: 50 },
  ];
  const table: Table = {
    title: `\`more_like_this\` settings, ${paramsLabel(CHOSEN)} — ${data.name} (in-process service, no HTTP)`,
    columns: ['settings', 'rerank depth', 'recall@10', 'qps (8 clients)', 'p50 ms', 'p99 ms'],
    rows: [],
    note:
      'These settings are not configurable in the gateway yet, so they are measured with the ' +
      "product's `SimilarService` running in the benchmark process (mget + one search + re-rank, " +
      'no GraphQL): compare rows with each other, not with the gateway tables.',
  };
  try {
    for (const s of settings) {
      log(`mlt settings: ${s.label}`);
      const service = new SimilarService(admin.backend, admin.services.registry, {
        maxFirst: 100,
        rerankDepth: s.depth,
        probes: 1,
        maxTextFilterLength: 1000,
        // As src/services.ts sets it.
        filterFallbackLimit: 1000,
        mlt: s.mlt,
      });
      const r = await measureQueries(
        ctx,
        async (q) => {
          const result = await service.similar({
            id: data.ids[data.queries[q]!]!,
            modalities: ['IMAGE'],
            first: 10,
          });
          return result.hits.map((h) => h.item.id);
        },
        truth.image,
      );
      table.rows.push([s.label, s.depth, ...loadCells(r)]);
    }
  } finally {
    await admin.close();
  }
  section(ctx, '`more_like_this` settings').tables.push(table);
  printTable(table);
}
