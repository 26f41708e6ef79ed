/**
 * Query load with two modalities, lshql's exact fusion against Elasticsearch's own kNN on both
 * fields in the same run, and the CPU each request costs every process. Items are synthetic
 * (bench/data/multimodal-data.ts: 128-d image and 64-d text vectors from shared latent topics with
 * overlapping sub-topics, a decaying spectrum, some items lacking one modality); queries are
 * `similar(id)` on stored items that have both modalities. Truth: the exact top-10 by the mean of
 * image and text cosine (a missing modality counts 0), by brute force. Per point: recall@10, qps
 * and latency of `--clients` closed-loop clients, CPU ms per request of Elasticsearch and of the
 * gateway (utime + stime of /proc/<pid>/stat over the measured span). Writes
 * docs/multimodal-load.md.
 *
 *   ELASTICSEARCH_URL=http://127.0.0.1:9250 npx tsx bench/load/multimodal-load.ts
 *
 * Options: --items N (50000), --large (100,000 items), --queries N (200), --seconds S (8 per
 * point), --clients N (8), --warmup N (200 requests per point), --rounds N (alternating rounds of
 * the gateway variants, 1), --variants LIST (gateway settings also measured, one gateway each,
 * comma-separated NAME=VALUE; "" for none), --out FILE (docs/multimodal-load.md; "-" for none),
 * --skip-knn (the lshql points only, no native kNN peer), --clusters N (clusters per subspace
 * asked of `trainModel` for both modalities; default: the gateway's default shape).
 * Without ELASTICSEARCH_URL a private node is started on BENCH_ES_PORT (9300). The indexes it
 * builds (prefix `bench-multi`) are kept and reused when their item count matches and the
 * gateway's active models have the shape this run would train (so a changed default shape or
 * --clusters retrains and re-hashes).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { unitVector } from '../../src/lsh/vector-math.js';
import { loadConfig } from '../../src/config.js';
import {
  defaultClusters,
  defaultSubspaces,
  subspaceWidth,
} from '../../src/lsh/default-clusters.js';
import { lshField } from '../../src/domain/modalities.js';
import { compileSimilarQuery } from '../../src/search/elasticsearch/query-compiler.js';
import { DEFAULT_MLT_SETTINGS, type SimilarPlan } from '../../src/search/query-plan.js';
import { encodeVector } from '../../src/search/elasticsearch/vector-encoding.js';
import {
  MULTIMODAL,
  generateMultimodal,
  hardness,
  multimodalTruth,
  rowValues,
  type MultimodalData,
} from '../data/multimodal-data.js';
import { bulkLoad, deleteIndexes, mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { fmtRecall, log, markdownTable, printTable, type Table } from '../lib/format.js';
import { graphql, startGatewayProcess, type GatewayProcess } from '../lib/gateway-process.js';
import { batches } from '../lib/item-payloads.js';
import { measure, pointTable, totalCpu, type Point } from '../lib/load-point.js';
import { PrefixAdmin } from '../lib/lsh-admin.js';
import { startBenchNode } from '../lib/bench-node.js';
import { queryClient } from '../lib/query-clients.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '50000' },
    large: { type: 'boolean', default: false },
    queries: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '8' },
    clients: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '1' },
    variants: {
      type: 'string',
      default:
        'LSHQL_MLT_MINIMUM_SHOULD_MATCH=3,LSHQL_MLT_MAX_DOC_FREQ=2000,LSHQL_RERANK_DEPTH=1000',
    },
    out: { type: 'string', default: 'docs/multimodal-load.md' },
    'skip-knn': { type: 'boolean', default: false },
    clusters: { type: 'string' },
  },
});
const CLUSTERS = args.clusters === undefined ? undefined : Number(args.clusters);
const ITEMS = args.large ? 100_000 : Number(args.items);
const QUERIES = Number(args.queries);
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const WARMUP = Number(args.warmup);
const SHAPE = { clients: CLIENTS, warmup: WARMUP, seconds: SECONDS };
const ROUNDS = Number(args.rounds);
const VARIANTS = (args.variants ?? '').split(',').filter((v) => /^LSHQL_[A-Z_]+=[^=]+$/.test(v));
const PREFIX = 'bench-multi';
const K = 10;
const NUM_CANDIDATES = [10, 20, 40, 80, 160, 320, 640, 1280];

/**
 * Per lshql point: the best recall native kNN reaches at no more total CPU per request, and the
 * cheapest kNN setting (if any) whose recall reaches lshql's.
 */
function peerTable(title: string, gateway: Point[], knn: Point[]): Table {
  const shown = (r: number) => Math.round(r * 1000);
  return {
    title,
    columns: [
      'lshql point',
      `recall@${K}`,
      'total CPU ms/req',
      'best kNN at ≤ this CPU',
      'its recall',
      'cheapest kNN at ≥ this recall',
      'its total CPU ms/req',
    ],
    rows: gateway.map((g) => {
      const atCpu = knn
        .filter((p) => totalCpu(p) <= totalCpu(g))
        .sort((a, b) => b.recall - a.recall)[0];
      const atRecall = knn
        .filter((p) => shown(p.recall) >= shown(g.recall))
        .sort((a, b) => totalCpu(a) - totalCpu(b))[0];
      return [
        `${g.method} ${g.setting}`,
        fmtRecall(g.recall),
        totalCpu(g).toFixed(2),
        atCpu ? `${atCpu.method} ${atCpu.setting}` : 'none this cheap',
        atCpu ? fmtRecall(atCpu.recall) : '–',
        atRecall ? `${atRecall.method} ${atRecall.setting}` : 'none reaches it',
        atRecall ? totalCpu(atRecall).toFixed(2) : '–',
      ];
    }),
  };
}

function modalitiesOf(data: MultimodalData, i: number): ('IMAGE' | 'TEXT')[] {
  return [
    ...(data.hasImage[i] ? (['IMAGE'] as const) : []),
    ...(data.hasText[i] ? (['TEXT'] as const) : []),
  ];
}

/** Item i as the gateway stores it (no tokens yet: `trainModel` hashes every stored item). */
function gatewayDocument(data: MultimodalData, i: number): Record<string, unknown> {
  const image = data.hasImage[i] ? rowValues(data.image, data.imageDim, i) : null;
  const text = data.hasText[i] ? rowValues(data.text, data.textDim, i) : null;
  return {
    id: data.ids[i],
    title: data.titles[i],
    text: null,
    tags: [],
    modalities: modalitiesOf(data, i),
    vectors: {
      ...(image ? { image: encodeVector(image) } : {}),
      ...(text ? { text: encodeVector(text) } : {}),
    },
    ...(image ? { image_vector: unitVector(image) } : {}),
    ...(text ? { text_vector: unitVector(text) } : {}),
    revision: 1 + i,
  };
}

async function countWhere(es: Client, index: string, field?: string): Promise<number | null> {
  if (!(await es.indices.exists({ index }))) return null;
  const query = field ? { exists: { field } } : { match_all: {} };
  return (await es.count({ index, query })).count;
}

const TRAIN = `mutation Train($modality: Modality!, $clusters: Int) {
  trainModel(modality: $modality, clusters: $clusters) { version subspaces clusters trainedOn }
}`;
/** Training sample the gateway draws when the caller names none (src/services.ts). */
const GATEWAY_SAMPLE = 10_000;

/**
 * The shape `trainModel` gives a modality in this run: the gateway's default rule
 * (src/lsh/default-clusters.ts, on its configuration defaults) for `stored` vectors of `dim`
 * values, or --clusters.
 */
function expectedShape(dim: number, stored: number): { subspaces: number; clusters: number } {
  const config = loadConfig({});
  const subspaces = defaultSubspaces(dim, config.LSHQL_SUBSPACES, config.LSHQL_ROTATE);
  const clusters =
    CLUSTERS ??
    defaultClusters(
      Math.min(GATEWAY_SAMPLE, stored),
      subspaceWidth(dim, subspaces, config.LSHQL_ROTATE),
      config.LSHQL_CLUSTERS,
    );
  return { subspaces, clusters };
}

/** The active models' shapes as "IMAGE 16×64,TEXT 8×64" (read from the gateway). */
async function activeShapes(esUrl: string): Promise<string> {
  const gateway = await startGatewayProcess(REPO, { elasticsearchUrl: esUrl, indexPrefix: PREFIX });
  try {
    const r = await graphql<ModelsAnswer>(gateway.url, MODELS, {});
    return r.lshModels
      .filter((m) => m.active)
      .map((m) => `${m.modality} ${m.subspaces}×${m.clusters}`)
      .sort()
      .join(',');
  } finally {
    await gateway.stop();
  }
}
interface TrainAnswer {
  trainModel: { version: number; subspaces: number; clusters: number; trainedOn: number };
}

/**
 * The gateway's index: items bulk-loaded without tokens, then `trainModel` for IMAGE and TEXT
 * through the gateway's GraphQL API on its defaults (it samples stored vectors, trains, stores
 * the model and re-hashes every stored item), then merged to one segment.
 */
async function loadGatewayIndex(
  es: Client,
  esUrl: string,
  data: MultimodalData,
): Promise<string[]> {
  const alias = `${PREFIX}-items`;
  const imageCount = data.hasImage.reduce((a, b) => a + b, 0);
  const textCount = data.hasText.reduce((a, b) => a + b, 0);
  const shape = (modality: string, dim: number, stored: number) => {
    const s = expectedShape(dim, stored);
    return `${modality} ${s.subspaces}×${s.clusters}`;
  };
  const wanted = [
    shape('IMAGE', data.imageDim, imageCount),
    shape('TEXT', data.textDim, textCount),
  ].join(',');
  if (
    (await countWhere(es, alias)) === data.count &&
    (await countWhere(es, alias, 'image_lsh')) === imageCount &&
    (await countWhere(es, alias, 'text_lsh')) === textCount
  ) {
    const active = await activeShapes(esUrl);
    if (active === wanted) {
      log(`reusing ${alias} (${data.count} items, both modalities hashed, ${active})`);
      return [];
    }
    log(`${alias} has models ${active || 'none'}, this run trains ${wanted}: rebuilding`);
  }
  // The gateway's own indexes only: the kNN peer's index does not depend on the models.
  await deleteIndexes(es, `${PREFIX}-items`);
  await deleteIndexes(es, `${PREFIX}-models`);
  await deleteIndexes(es, `${PREFIX}-jobs`);
  const admin = await PrefixAdmin.open(esUrl, PREFIX);
  await admin.close();
  log(`loading ${data.count} items into ${alias}`);
  await bulkLoad(
    es,
    function* () {
      for (const [from, to] of batches(data.count, 500)) {
        const ops: unknown[] = [];
        for (let i = from; i < to; i++) {
          ops.push({ index: { _index: alias, _id: data.ids[i] } });
          ops.push(gatewayDocument(data, i));
        }
        yield ops;
      }
    },
    2,
  );
  await es.indices.refresh({ index: alias });
  const gateway = await startGatewayProcess(REPO, { elasticsearchUrl: esUrl, indexPrefix: PREFIX });
  const trained: string[] = [];
  try {
    for (const modality of ['IMAGE', 'TEXT'] as const) {
      const started = performance.now();
      const r = await graphql<TrainAnswer>(gateway.url, TRAIN, {
        modality,
        ...(CLUSTERS === undefined ? {} : { clusters: CLUSTERS }),
      });
      const seconds = (performance.now() - started) / 1000;
      const m = r.trainModel;
      const line = `${modality}: v${m.version}, ${m.subspaces}×${m.clusters}, trained on ${m.trainedOn} vectors, trained and re-hashed in ${seconds.toFixed(0)} s`;
      log(`trainModel ${line}`);
      trained.push(line);
    }
  } finally {
    await gateway.stop();
  }
  await mergeToOneSegment(es, alias);
  return trained;
}

/** The same items in an index of Elasticsearch's own: `dense_vector` hnsw per field (only where the item has it). */
async function loadKnnIndex(es: Client, data: MultimodalData): Promise<string> {
  const index = `${PREFIX}-knn-hnsw`;
  if ((await countWhere(es, index)) === data.count) {
    log(`reusing ${index}`);
    return index;
  }
  const vectorField = (dims: number) => ({
    type: 'dense_vector',
    dims,
    index: true,
    similarity: 'cosine',
    index_options: { type: 'hnsw', m: 16, ef_construction: 100 },
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
        image_vector: vectorField(data.imageDim),
        text_vector: vectorField(data.textDim),
      },
    } as never,
  });
  log(`building ${index} (${data.count} items)`);
  const started = performance.now();
  await bulkLoad(
    es,
    function* () {
      for (const [from, to] of batches(data.count, 500)) {
        const ops: unknown[] = [];
        for (let i = from; i < to; i++) {
          ops.push({ index: { _index: index, _id: data.ids[i] } });
          ops.push({
            id: data.ids[i],
            title: data.titles[i],
            ...(data.hasImage[i] ? { image_vector: rowValues(data.image, data.imageDim, i) } : {}),
            ...(data.hasText[i] ? { text_vector: rowValues(data.text, data.textDim, i) } : {}),
          });
        }
        yield ops;
      }
    },
    2,
  );
  await es.indices.putSettings({ index, settings: { refresh_interval: '1s' } });
  const mergeSeconds = await mergeToOneSegment(es, index);
  log(
    `${index}: ${((performance.now() - started) / 1000).toFixed(0)} s (merge ${mergeSeconds.toFixed(0)} s)`,
  );
  return index;
}

const MODELS = `query Models {
  lshModels { modality version subspaces clusters active trainedOn }
}`;
interface ModelsAnswer {
  lshModels: {
    modality: string;
    version: number;
    subspaces: number;
    clusters: number;
    active: boolean;
    trainedOn: number;
  }[];
}

/** The active models, as the gateway reports them (for a reused index). */
async function activeModels(gateway: GatewayProcess): Promise<string[]> {
  const r = await graphql<ModelsAnswer>(gateway.url, MODELS, {});
  return r.lshModels
    .filter((m) => m.active)
    .map(
      (m) =>
        `${m.modality}: v${m.version}, ${m.subspaces}×${m.clusters}, trained on ${m.trainedOn} vectors (by an earlier run of this command, index reused)`,
    );
}

interface CandidateCounts {
  /** Mean over the queries: items sharing a token with the query in either modality. */
  both: number;
  image: number;
  text: number;
}

/**
 * The token match's size, as `similar(id)` on the gateway's defaults sends it (more_like_this
 * per modality on the item's own tokens, min_term_freq 1, min_doc_freq 1, max_query_terms = its
 * tokens, minimum_should_match 1, the item excluded): the mean number of candidates per query,
 * for both modalities OR-ed (what the exact ranking scores) and for each alone.
 */
async function candidateCounts(es: Client, data: MultimodalData): Promise<CandidateCounts> {
  const alias = `${PREFIX}-items`;
  const ids = data.queries.map((i) => data.ids[i]!);
  const fields = [lshField('IMAGE'), lshField('TEXT')];
  const docs = (await es.mget({ index: alias, ids, _source_includes: fields })).docs;
  const sums = { both: 0, image: 0, text: 0 };
  for (const [q, doc] of docs.entries()) {
    const source = ('_source' in doc ? doc._source : {}) as Record<string, string[] | undefined>;
    const clauseOf = (modality: 'IMAGE' | 'TEXT') => {
      const tokens = source[lshField(modality)] ?? [];
      return tokens.length > 0 ? [{ modality, tokens, boost: 1 }] : [];
    };
    const count = async (modalities: ('IMAGE' | 'TEXT')[]) => {
      const clauses = modalities.flatMap(clauseOf);
      const plan: SimilarPlan = {
        clauses,
        textFilter: null,
        excludeIds: [ids[q]!],
        candidates: 0,
        mlt: {
          ...DEFAULT_MLT_SETTINGS,
          maxQueryTerms: Math.max(1, ...clauses.map((c) => c.tokens.length)),
        },
        vectorsFor: modalities,
        countUpTo: data.count,
      };
      const body = compileSimilarQuery(plan, alias);
      const r = await es.search({ index: alias, ...body, size: 0 } as never);
      const total = r.hits.total;
      return typeof total === 'number' ? total : (total?.value ?? 0);
    };
    sums.both += await count(['IMAGE', 'TEXT']);
    sums.image += await count(['IMAGE']);
    sums.text += await count(['TEXT']);
  }
  const n = docs.length;
  return { both: sums.both / n, image: sums.image / n, text: sums.text / n };
}

const SIMILAR = `query Similar($id: ID!, $first: Int) {
  similar(id: $id, first: $first) { hits { score item { id title } } }
}`;
type Hits = { hits: { item: { id: string } }[] };

function gatewaySimilar(gateway: GatewayProcess, data: MultimodalData) {
  return async (q: number) => {
    const r = await graphql<{ similar: Hits }>(gateway.url, SIMILAR, {
      id: data.ids[data.queries[q]!],
      first: K,
    });
    return r.similar.hits.map((h) => h.item.id);
  };
}

interface QueryVectors {
  image: number[][];
  text: number[][];
}

/**
 * Native kNN, linear combination: one `knn` clause per field (k = num_candidates each, so the
 * union the scores are summed over is as wide as the setting allows), boosts 0.5 and 0.5 — the
 * mean of the two `(1 + cos) / 2` scores for an item both clauses return. k + 1 hits asked and
 * the query item dropped.
 */
function knnLinear(es: Client, index: string, data: MultimodalData, v: QueryVectors, nc: number) {
  return async (q: number): Promise<string[]> => {
    const self = data.ids[data.queries[q]!]!;
    const clause = (field: string, vector: number[]) => ({
      field,
      query_vector: vector,
      k: nc,
      num_candidates: nc,
      boost: 0.5,
    });
    const response = await es.search({
      index,
      knn: [clause('image_vector', v.image[q]!), clause('text_vector', v.text[q]!)],
      size: K + 1,
      _source: ['id', 'title'],
      track_total_hits: false,
    } as never);
    return response.hits.hits
      .map((h) => h._id!)
      .filter((id) => id !== self)
      .slice(0, K);
  };
}

/**
 * Reciprocal rank fusion computed by the client (the server's `retriever.rrf` is refused, see
 * the note): one `_msearch` with a `knn` search per field (k = num_candidates each), fused as
 * Σ 1 / (60 + rank).
 */
function knnClientRrf(
  es: Client,
  index: string,
  data: MultimodalData,
  v: QueryVectors,
  nc: number,
) {
  return async (q: number): Promise<string[]> => {
    const self = data.ids[data.queries[q]!]!;
    const body = (field: string, vector: number[]) => ({
      knn: { field, query_vector: vector, k: nc, num_candidates: nc },
      size: nc,
      _source: false,
      track_total_hits: false,
    });
    const response = await es.msearch({
      index,
      searches: [{}, body('image_vector', v.image[q]!), {}, body('text_vector', v.text[q]!)],
    } as never);
    const fused = new Map<string, number>();
    for (const r of response.responses) {
      if ('error' in r) throw new Error(JSON.stringify(r.error));
      r.hits.hits.forEach((h, rank) => {
        fused.set(h._id!, (fused.get(h._id!) ?? 0) + 1 / (60 + rank + 1));
      });
    }
    return [...fused.entries()]
      .filter(([id]) => id !== self)
      .sort((a, b) => b[1] - a[1])
      .slice(0, K)
      .map(([id]) => id);
  };
}

/** Whether the server takes `retriever.rrf` over two `knn` retrievers; the refusal when not. */
async function tryServerRrf(es: Client, index: string, v: QueryVectors): Promise<string> {
  try {
    await es.search({
      index,
      retriever: {
        rrf: {
          retrievers: [
            { knn: { field: 'image_vector', query_vector: v.image[0], k: 10, num_candidates: 20 } },
            { knn: { field: 'text_vector', query_vector: v.text[0], k: 10, num_candidates: 20 } },
          ],
          rank_window_size: 20,
        },
      },
      size: K,
    } as never);
    return 'accepted';
  } catch (error) {
    const e = error as { meta?: { body?: { error?: { reason?: string } } }; message: string };
    return `refused: ${e.meta?.body?.error?.reason ?? e.message}`;
  }
}

const fmtCount = (x: number) => Math.round(x).toLocaleString('en-US');

async function main() {
  const { node, es, jvm, esPid, cacheDir, started, loadBefore } = await startBenchNode(REPO);

  log(`generating ${ITEMS} items`);
  const data = generateMultimodal(ITEMS, QUERIES);
  const truth = multimodalTruth(data, K);
  log(`exact top-${K} of ${QUERIES} queries in ${truth.seconds.toFixed(1)} s`);
  const hard = hardness(data, truth);
  const ids = (rows: number[][]) => rows.map((r) => r.map((i) => data.ids[i]!));
  const fusedTruth = ids(truth.fused);
  const noText = data.count - data.hasText.reduce((a, b) => a + b, 0);
  const noImage = data.count - data.hasImage.reduce((a, b) => a + b, 0);

  const trained = await loadGatewayIndex(es, node.url, data);
  const knnIndex = await loadKnnIndex(es, data);
  const candidates = await candidateCounts(es, data);
  log(
    `token-match candidates per query: ${candidates.both.toFixed(0)} (image ${candidates.image.toFixed(0)}, text ${candidates.text.toFixed(0)})`,
  );

  const points: Point[] = [];
  const gateways: { label: string; env: Record<string, string> }[] = [
    { label: 'defaults', env: {} },
    { label: 'knn-gate off', env: { LSHQL_LEAN_OFF: 'knn-gate' } },
    { label: 'doc-value-hits off', env: { LSHQL_LEAN_OFF: 'doc-value-hits' } },
    {
      label: 'all lean parts off',
      env: { LSHQL_LEAN_OFF: 'exact-k,filter-once,float32,knn-gate,doc-value-hits' },
    },
    // Settings (not code changes) that narrow the exact scoring: one gateway each.
    ...VARIANTS.map((v) => {
      const [name, value] = v.split('=') as [string, string];
      return { label: v, env: { [name]: value } };
    }),
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of gateways) {
      const gateway = await startGatewayProcess(REPO, {
        elasticsearchUrl: node.url,
        indexPrefix: PREFIX,
        extra: variant.env,
      });
      try {
        if (trained.length === 0) trained.push(...(await activeModels(gateway)));
        points.push(
          await measure(
            SHAPE,
            'lshql similar(id)',
            ROUNDS > 1 ? `${variant.label}, round ${round}` : variant.label,
            gatewaySimilar(gateway, data),
            fusedTruth,
            { es: esPid, gateway: gateway.pid },
          ),
        );
      } finally {
        await gateway.stop();
      }
    }
  }

  const client = queryClient(node.url);
  const vectors: QueryVectors = {
    image: data.queries.map((i) => rowValues(data.image, data.imageDim, i)),
    text: data.queries.map((i) => rowValues(data.text, data.textDim, i)),
  };
  const serverRrf = await tryServerRrf(client, knnIndex, vectors);
  log(`retriever.rrf: ${serverRrf}`);
  try {
    const peers = [
      { path: 'kNN hnsw ×2, linear (boost 0.5 each)', query: knnLinear },
      { path: 'kNN hnsw ×2, RRF in the client', query: knnClientRrf },
    ];
    for (const peer of args['skip-knn'] ? [] : peers) {
      for (const nc of NUM_CANDIDATES) {
        points.push(
          await measure(
            SHAPE,
            peer.path,
            `num_candidates ${nc}`,
            peer.query(client, knnIndex, data, vectors, nc),
            fusedTruth,
            { es: esPid },
          ),
        );
      }
    }
  } finally {
    await client.close();
  }

  const gatewayPoints = points.filter((p) => p.method.startsWith('lshql'));
  const knnPoints = points.filter((p) => !p.method.startsWith('lshql'));
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const s = MULTIMODAL;
  const hardnessTable: Table = {
    title: 'M1. How hard the data is',
    columns: ['measure', 'value'],
    rows: [
      ['items (queries among them)', `${data.count.toLocaleString('en-US')} (${QUERIES})`],
      ['items without text / without image', `${noText} / ${noImage}`],
      [`exact fused top-${K} in the query's own sub-topic`, pct(hard.sameSubTopic)],
      [`exact fused top-${K} in the query's own topic`, pct(hard.sameTopic)],
      [`exact fused top-${K} also in the exact image-only top-${K}`, pct(hard.imageOverlap)],
      [`exact fused top-${K} also in the exact text-only top-${K}`, pct(hard.textOverlap)],
      [`exact fused top-${K} lacking one modality`, pct(hard.lackingOne)],
      [
        'token-match candidates per query, both modalities (image alone / text alone)',
        `${fmtCount(candidates.both)} (${fmtCount(candidates.image)} / ${fmtCount(candidates.text)})`,
      ],
    ],
    note:
      `Generator (bench/data/multimodal-data.ts, seed ${s.seed}): ${s.topics} topics × ${s.subTopicsPerTopic} sub-topics in a ${s.latentDim}-d latent space ` +
      `(topic centres σ ${s.topicSigma}, sub-topic centres σ ${s.subTopicSigma} around their topic, items σ ${s.itemSigma} around their sub-topic: ` +
      `sibling sub-topic centres lie about ${((s.subTopicSigma * Math.SQRT2) / s.itemSigma).toFixed(1)} item-σ apart per latent dimension, so they overlap); ` +
      `each modality adds a private ${s.privateDim}-d latent part (σ ${s.privateSigma}), mixes through its own random matrix with rows scaled by 1/√(i+1) ` +
      `(image ${s.imageDim}-d, text ${s.textDim}-d) and adds noise σ ${s.noiseSigma}/√(i+1) per dimension; ` +
      `${pct(s.noTextFraction)} of the items lack text and ${pct(s.noImageFraction)} lack an image (query items have both). ` +
      `A missing modality counts a cosine of 0 in the mean, so such items rarely reach a fused top-${K}. ` +
      `Token-match candidates: the mean over the query items of the items sharing at least one token with the query (the query item left out), ` +
      `counted with the gateway's default token match (more_like_this on the item's own tokens, minimum_should_match 1) on the models below; ` +
      `the exact ranking scores every one of them.`,
  };
  const common =
    'kNN: the query vectors sent by the client (no lookup of the stored item); vectors are not in ' +
    'either index’s `_source`. ES CPU and gateway CPU: utime + stime of each process over the ' +
    'measured span, divided by the requests answered; the load generator’s own CPU (and the ' +
    'client-side RRF) is not counted. Load avg: 1-minute load of the machine at the end of the point.';
  const tables: Table[] = [
    hardnessTable,
    pointTable(
      'M2. similar(id), IMAGE + TEXT, 10 hits',
      K,
      CLIENTS,
      points,
      `${QUERIES} query items (both modalities, indexed). Truth: exact top-${K} by the mean of image and text cosine. ` +
        `lshql: \`similar(id, first: ${K})\` over HTTP (both modalities the item has, weights 1 and 1); ` +
        `"knn-gate off" is LSHQL_LEAN_OFF=knn-gate (the candidate filter stated once more, for the \`bool\`, beside each \`knn\` clause's); ` +
        `"doc-value-hits off" reads the hits from \`_source\` instead of doc values (the query selects only \`item { id }\`); ` +
        `"all lean parts off" is LSHQL_LEAN_OFF=exact-k,filter-once,float32,knn-gate,doc-value-hits; the other lshql rows change one setting each (configuration, not code): ` +
        `LSHQL_MLT_MINIMUM_SHOULD_MATCH (tokens of one modality a candidate must share; default 1), ` +
        `LSHQL_MLT_MAX_DOC_FREQ (tokens held by more items are left out of the match; default none), ` +
        `LSHQL_RERANK_DEPTH (candidates each modality's exact \`knn\` clause keeps; default 10,000). ` +
        `Server-side RRF (\`retriever.rrf\`): ${serverRrf}. ${common}`,
    ),
    peerTable('M3. Native kNN beside each lshql point of M2', gatewayPoints, knnPoints),
  ];
  for (const table of tables) printTable(table);

  const command =
    `ELASTICSEARCH_URL=${node.url} npm run bench:multi -- ` +
    `${args.large ? '--large' : `--items ${ITEMS}`} --queries ${QUERIES} --seconds ${SECONDS} ` +
    `--clients ${CLIENTS} --warmup ${WARMUP} --rounds ${ROUNDS} --variants ${VARIANTS.length > 0 ? VARIANTS.join(',') : '""'}` +
    (args['skip-knn'] ? ' --skip-knn' : '') +
    (CLUSTERS === undefined ? '' : ` --clusters ${CLUSTERS}`) +
    (args.out !== 'docs/multimodal-load.md' ? ` --out ${args.out}` : '');
  const lines = [
    '# Load: `similar` with two modalities, against Elasticsearch’s own kNN on both fields',
    '',
    `Written by \`${command}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `Data: ${data.count.toLocaleString('en-US')} synthetic items with a 128-d image and a 64-d text vector from shared latent topics (M1 says how hard). ` +
      `lshql: the gateway (\`node --import tsx src/main.ts\`, NODE_ENV=production, LOG_LEVEL=warn) as a child process on its defaults; ` +
      `items bulk-loaded without tokens, then \`trainModel\` called through the gateway for each modality ${CLUSTERS === undefined ? 'on its defaults' : `with clusters ${CLUSTERS} (other settings on its defaults)`} ` +
      `(it samples stored items, so the query items may be in the sample; it re-hashes every stored item), then merged to one segment. ` +
      `Models: ${trained.join('; ')}. ` +
      `kNN peer: the same items in one index with an \`hnsw\` \`dense_vector\` per field (m 16, ef_construction 100, cosine, one segment), queried straight from the client.`,
    '',
    `Server: Elasticsearch ${node.version} (integration-test distribution, one node, heap ${node.heap}) on ` +
      `${jvm?.vm_name ?? 'JVM'} ${jvm?.version ?? '?'} (${jvm?.vm_vendor ?? ''}). Machine: ${cpus().length} cores shared by ` +
      `the load generator, the gateway and Elasticsearch — and, during this run, by other work: the 1-minute load average was ` +
      `${loadBefore.toFixed(1)} at the start, so absolute qps are noisy; CPU per request is the steadier figure. ` +
      `Re-run the command above on a quiet machine for clean absolute figures.`,
    '',
    `Each point: ${WARMUP} unmeasured requests, then ${CLIENTS} closed-loop clients for ${SECONDS} s (every query at least once).`,
    '',
    ...tables.flatMap((t) => [
      `## ${t.title}`,
      '',
      markdownTable(t),
      '',
      ...(t.note ? [t.note, ''] : []),
    ]),
  ];
  if (args.out !== '-') {
    writeFileSync(join(REPO, args.out), lines.join('\n'));
    log(`wrote ${args.out}`);
  }
  writeFileSync(
    join(cacheDir, 'multimodal-load.json'),
    JSON.stringify({ started, hard, candidates, trained, serverRrf, points }, null, 2),
  );
  await es.close();
  await node.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
