/**
 * Query load on real vectors, lshql against Elasticsearch's own kNN in the same run, and the CPU
 * each request costs every process. Fashion-MNIST's 60,000 training images (784-d) are the items;
 * queries are `similar(id)` on stored items (held out of model training) and `similarToVector`
 * with test images. Per point: recall@k against exact brute force, qps and latency of
 * `--clients` closed-loop clients, and CPU ms per request of Elasticsearch and of the gateway
 * (utime + stime of /proc/<pid>/stat over the measured span). Writes docs/load.md.
 *
 *   ELASTICSEARCH_URL=http://127.0.0.1:9250 npx tsx bench/load/real-data-load.ts
 *
 * Options: --seconds S (8 per point), --clients N (8), --queries N (200), --warmup N (200
 * requests per point), --rounds N (alternating rounds of the gateway variants, 2), --limit N
 * (items, 60000), --out FILE (docs/load.md; "-" for none).
 * Without ELASTICSEARCH_URL a private node is started on BENCH_ES_PORT (9300); the indexes it
 * builds (prefix `bench-real`) are kept and reused when their item count matches.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { vectorValues, type Dataset } from '../data/dataset.js';
import { fashionMnistData, readFashionMnist } from '../data/fashion-mnist.js';
import { vectorQueryTruth } from '../data/ground-truth.js';
import { bulkLoad, deleteIndexes, mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { fmtRecall, log, markdownTable, printTable, type Table } from '../lib/format.js';
import { graphql, startGatewayProcess, type GatewayProcess } from '../lib/gateway-process.js';
import { allTokens, batches, itemDocument } from '../lib/item-payloads.js';
import { buildKnnIndex, knnSearch, type KnnIndexType } from '../lib/knn-index.js';
import { measure, pointTable, totalCpu, type Point } from '../lib/load-point.js';
import {
  PrefixAdmin,
  cachedModel,
  paramsLabel,
  productDefaultParams,
  type LshParams,
} from '../lib/lsh-admin.js';
import { startBenchNode } from '../lib/bench-node.js';
import { queryClient } from '../lib/query-clients.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    clients: { type: 'string', default: '8' },
    queries: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    limit: { type: 'string', default: '60000' },
    out: { type: 'string', default: 'docs/load.md' },
    // Only the defaults gateway (and the --lean-off variants given) on T1: no peers, no file.
    quick: { type: 'boolean', default: false },
    'lean-off': { type: 'string', multiple: true, default: [] },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);
const QUERIES = Number(args.queries);
const WARMUP = Number(args.warmup);
const SHAPE = { clients: CLIENTS, warmup: WARMUP, seconds: SECONDS };
const ROUNDS = Number(args.rounds);
const LIMIT = Number(args.limit);
const QUICK = args.quick;
const PREFIX = 'bench-real';
const TRUTH_K = 100;

/**
 * Per gateway point: the fastest native kNN setting whose recall reaches the gateway's, and the
 * ratios of qps and total CPU per request (gateway / peer).
 */
function peerTable(title: string, k: number, gateway: Point[], knn: Point[]): Table {
  return {
    title,
    columns: [
      'lshql point',
      `recall@${k}`,
      'peer (fastest kNN at ≥ recall)',
      'peer recall',
      'qps ratio lshql / peer',
      'total CPU ratio lshql / peer',
    ],
    rows: gateway.map((g) => {
      // Recall compared as shown (3 decimals): equal there counts as reached.
      const shown = (r: number) => Math.round(r * 1000);
      const peers = knn
        .filter((p) => shown(p.recall) >= shown(g.recall))
        .sort((a, b) => b.qps - a.qps);
      const peer = peers[0];
      return [
        `${g.method} ${g.setting}`,
        fmtRecall(g.recall),
        peer ? `${peer.method} ${peer.setting}` : 'none reaches it',
        peer ? fmtRecall(peer.recall) : '–',
        peer ? `${(g.qps / peer.qps).toFixed(2)}×` : '–',
        peer ? `${(totalCpu(g) / totalCpu(peer)).toFixed(2)}×` : '–',
      ];
    }),
  };
}

async function aliasCount(es: Client, name: string): Promise<number | null> {
  if (!(await es.indices.exists({ index: name }))) return null;
  return (await es.count({ index: name })).count;
}

/** The gateway's index: pre-hashed items bulk-loaded under the active model, one segment. */
async function loadGatewayIndex(
  es: Client,
  esUrl: string,
  data: Dataset,
  params: LshParams,
): Promise<void> {
  const alias = `${PREFIX}-items`;
  if ((await aliasCount(es, alias)) === data.count) {
    log(`reusing ${alias} (${data.count} items)`);
    return;
  }
  const model = cachedModel(join(REPO, '.cache/bench'), data, 'IMAGE', params);
  await deleteIndexes(es, `${PREFIX}-`);
  const admin = await PrefixAdmin.open(esUrl, PREFIX);
  try {
    const version = await admin.activate('IMAGE', model);
    log(`loading ${data.count} items into ${alias} (model v${version} ${paramsLabel(params)})`);
    const tokens = { image: allTokens(data, 'IMAGE', model), text: [], version };
    await bulkLoad(
      es,
      function* () {
        for (const [from, to] of batches(data.count, 500)) {
          const ops: unknown[] = [];
          for (let i = from; i < to; i++) {
            ops.push({ index: { _index: alias, _id: data.ids[i] } });
            ops.push({ ...itemDocument(data, i, tokens), revision: 1 + i });
          }
          yield ops;
        }
      },
      2,
    );
    await mergeToOneSegment(es, alias);
  } finally {
    await admin.close();
  }
}

async function loadKnnIndex(es: Client, data: Dataset, type: KnnIndexType): Promise<string> {
  const index = `${PREFIX}-knn-${type}`;
  if ((await aliasCount(es, index)) === data.count) {
    log(`reusing ${index}`);
    return index;
  }
  log(`building ${index} (${data.count} items)`);
  const info = await buildKnnIndex(es, data, index, type, 500);
  log(`${index}: load ${info.loadSeconds.toFixed(0)} s, merge ${info.mergeSeconds.toFixed(0)} s`);
  return index;
}

const SIMILAR = `query Similar($id: ID!, $first: Int) {
  similar(id: $id, first: $first) { hits { score item { id title } } }
}`;
const SIMILAR_TO_VECTOR = `query ToVector($vector: [Float!]!, $first: Int) {
  similarToVector(modality: IMAGE, vector: $vector, first: $first) {
    hits { score item { id title } }
  }
}`;
type Hits = { hits: { item: { id: string } }[] };

function gatewaySimilar(gateway: GatewayProcess, data: Dataset, first: number) {
  return async (q: number) => {
    const r = await graphql<{ similar: Hits }>(gateway.url, SIMILAR, {
      id: data.ids[data.queries[q]!],
      first,
    });
    return r.similar.hits.map((h) => h.item.id);
  };
}

function gatewayToVector(gateway: GatewayProcess, vectors: number[][], first: number) {
  return async (q: number) => {
    const r = await graphql<{ similarToVector: Hits }>(gateway.url, SIMILAR_TO_VECTOR, {
      vector: vectors[q],
      first,
    });
    return r.similarToVector.hits.map((h) => h.item.id);
  };
}

/** Test images, evenly spaced over the t10k split, as the API takes them. */
function testImages(count: number): { flat: Float32Array; vectors: number[][] } {
  const test = readFashionMnist('t10k');
  const step = Math.floor(test.count / count);
  const flat = new Float32Array(count * test.dim);
  for (let q = 0; q < count; q++) {
    flat.set(test.pixels.subarray(q * step * test.dim, (q * step + 1) * test.dim), q * test.dim);
  }
  const vectors = Array.from({ length: count }, (_, q) =>
    Array.from(flat.subarray(q * test.dim, (q + 1) * test.dim)),
  );
  return { flat, vectors };
}

async function main() {
  const { node, es, jvm, esPid, cacheDir, started, loadBefore } = await startBenchNode(REPO);

  const loaded = fashionMnistData(cacheDir, TRUTH_K, { limit: LIMIT, queries: QUERIES });
  const { data, truth } = loaded;
  const cut = (t: string[][], k: number) => t.map((ids) => ids.slice(0, k));
  const test = testImages(QUERIES);
  log('exact top-100 of the test images');
  const testTruth = vectorQueryTruth(data, test.flat, QUERIES, TRUTH_K);
  const params = productDefaultParams(data);

  await loadGatewayIndex(es, node.url, data, params);
  const knnIndex = {
    hnsw: await loadKnnIndex(es, data, 'hnsw'),
    int8_hnsw: await loadKnnIndex(es, data, 'int8_hnsw'),
  };

  const by10: Point[] = [];
  const by100: Point[] = [];
  const byVector: Point[] = [];
  // Each lean part of `similar` off in turn, then all of them (the earlier shape).
  const gateways: { label: string; env: Record<string, string> }[] = [
    { label: 'defaults', env: {} },
    { label: 'exact-k off (k = 10,000)', env: { LSHQL_LEAN_OFF: 'exact-k' } },
    { label: 'float32 off', env: { LSHQL_LEAN_OFF: 'float32' } },
    { label: 'like-text off', env: { LSHQL_LEAN_OFF: 'like-text' } },
    { label: 'doc-value-hits off', env: { LSHQL_LEAN_OFF: 'doc-value-hits' } },
    {
      label: 'all lean parts off',
      env: { LSHQL_LEAN_OFF: 'exact-k,filter-once,float32,like-text,doc-value-hits' },
    },
  ];
  if (QUICK) {
    gateways.splice(1);
    for (const off of args['lean-off']) {
      gateways.push({ label: `${off} off`, env: { LSHQL_LEAN_OFF: off } });
    }
  }
  // Alternating rounds: on a shared machine the load drifts; each variant is seen in every round.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const variant of gateways) {
      const gateway = await startGatewayProcess(REPO, {
        elasticsearchUrl: node.url,
        indexPrefix: PREFIX,
        extra: variant.env,
      });
      const pids = { es: esPid, gateway: gateway.pid };
      try {
        by10.push(
          await measure(
            SHAPE,
            'lshql similar(id)',
            ROUNDS > 1 ? `${variant.label}, round ${round}` : variant.label,
            gatewaySimilar(gateway, data, 10),
            cut(truth.image, 10),
            pids,
          ),
        );
        if (variant.label === 'defaults' && round === 1 && !QUICK) {
          by100.push(
            await measure(
              SHAPE,
              'lshql similar(id)',
              'defaults, first 100',
              gatewaySimilar(gateway, data, 100),
              truth.image,
              pids,
            ),
          );
          byVector.push(
            await measure(
              SHAPE,
              'lshql similarToVector',
              'defaults',
              gatewayToVector(gateway, test.vectors, 10),
              cut(testTruth, 10),
              pids,
            ),
          );
        }
      } finally {
        await gateway.stop();
      }
    }
  }

  if (QUICK) {
    printTable(pointTable('similar(id), 10 hits', 10, CLIENTS, by10, ''));
    await es.close();
    await node.stop();
    return;
  }
  const client = queryClient(node.url);
  const ownVectors = data.queries.map((i) => vectorValues(data.image, i));
  const peers: { type: KnnIndexType; oversample?: number; label: string }[] = [
    { type: 'hnsw', label: 'kNN hnsw' },
    { type: 'int8_hnsw', oversample: 2, label: 'kNN int8_hnsw, rescore ×2' },
  ];
  try {
    for (const peer of peers) {
      const opts = (nc: number, k: number, vectors: number[][], excludeSelf: boolean) => ({
        numCandidates: nc,
        k,
        vectors,
        excludeSelf,
        ...(peer.oversample ? { oversample: peer.oversample } : {}),
      });
      for (const nc of [10, 20, 40, 80, 160, 320, 640]) {
        by10.push(
          await measure(
            SHAPE,
            peer.label,
            `num_candidates ${nc}`,
            knnSearch(client, knnIndex[peer.type], data, opts(nc, 10, ownVectors, true)),
            cut(truth.image, 10),
            { es: esPid },
          ),
        );
      }
      for (const nc of [100, 200, 400]) {
        by100.push(
          await measure(
            SHAPE,
            peer.label,
            `num_candidates ${nc}`,
            knnSearch(client, knnIndex[peer.type], data, opts(nc, 100, ownVectors, true)),
            truth.image,
            { es: esPid },
          ),
        );
      }
      for (const nc of [10, 20, 40, 80, 160, 320]) {
        byVector.push(
          await measure(
            SHAPE,
            peer.label,
            `num_candidates ${nc}`,
            knnSearch(client, knnIndex[peer.type], data, opts(nc, 10, test.vectors, false)),
            cut(testTruth, 10),
            { es: esPid },
          ),
        );
      }
    }
  } finally {
    await client.close();
  }

  const gatewayOf = (points: Point[]) => points.filter((p) => p.method.startsWith('lshql'));
  const knnOf = (points: Point[]) => points.filter((p) => !p.method.startsWith('lshql'));
  const common =
    'kNN: the query vector sent by the client (no lookup of the stored item); for a stored ' +
    'query item k + 1 asked and the item dropped; the `dense_vector` fields are left out of both indexes’ ' +
    '`_source` (lshql’s keeps each vector there as base64, which `similar(id)` reads with the query item). ES CPU and gateway ' +
    'CPU: utime + stime of each process over the measured span, divided by the requests ' +
    'answered; the load generator’s own CPU is not counted. Load avg: 1-minute load of the ' +
    'machine at the end of the point.';
  const tables: Table[] = [
    pointTable(
      'T1. similar(id), one modality, 10 hits',
      10,
      CLIENTS,
      by10,
      `${QUERIES} query items (held out of model training, indexed). lshql: \`similar(id, first: 10)\` over HTTP; rows differ by LSHQL_LEAN_OFF (exact-k: k = 10,000 per \`knn\` clause; float32: query vector made unit length and sent as float64 by JSON.stringify; like-text: \`more_like_this\` given an artificial document instead of whitespace-analysed token text; doc-value-hits: the hits read from \`_source\` instead of doc values; the query selects only \`item { id }\`), measured in alternating rounds (a gateway started anew for each). ${common}`,
    ),
    peerTable('T2. Peer of each lshql point in T1', 10, gatewayOf(by10), knnOf(by10)),
    pointTable(
      'T3. similar(id), 100 hits (recall@100, the measure of Elastiknn’s published figures)',
      100,
      CLIENTS,
      by100,
      `Same queries as T1; \`similar(id, first: 100)\`. ${common}`,
    ),
    peerTable('T4. Peer of the lshql point in T3', 100, gatewayOf(by100), knnOf(by100)),
    pointTable(
      'T5. similarToVector with test images, 10 hits',
      10,
      CLIENTS,
      byVector,
      `${QUERIES} images of the t10k split (not indexed), evenly spaced. Truth: exact top-10 among the ${data.count.toLocaleString('en-US')} items. ${common}`,
    ),
    peerTable('T6. Peer of the lshql point in T5', 10, gatewayOf(byVector), knnOf(byVector)),
  ];
  for (const table of tables) printTable(table);

  const command =
    `ELASTICSEARCH_URL=${node.url} npx tsx bench/load/real-data-load.ts --seconds ${SECONDS} ` +
    `--clients ${CLIENTS} --queries ${QUERIES} --warmup ${WARMUP} --rounds ${ROUNDS}`;
  const lines = [
    '# Load: `similar` on real vectors, against Elasticsearch’s own kNN',
    '',
    `Written by \`${command}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    `Data: Fashion-MNIST (Debian \`dataset-fashion-mnist\`), ${data.count.toLocaleString('en-US')} training images (784-d, pixels 0..255) as items, ` +
      `${QUERIES} of them query items (held out of the model's training sample). Exact top-${TRUTH_K} by brute-force cosine. ` +
      `lshql: the gateway (\`node --import tsx src/main.ts\`, NODE_ENV=production, LOG_LEVEL=warn) as a child process on its defaults ` +
      `(model ${paramsLabel(params)}, what \`trainModel\` picks for this data, trained on 10,000 items; exact ranking on flat vectors), ` +
      `items pre-hashed and bulk-loaded, merged to one segment. kNN peers: the same items in \`hnsw\` and \`int8_hnsw\` indexes ` +
      `(m 16, ef_construction 100, one segment), queried straight from the client.`,
    '',
    `Server: Elasticsearch ${node.version} (integration-test distribution, one node, heap ${node.heap}) on ` +
      `${jvm?.vm_name ?? 'JVM'} ${jvm?.version ?? '?'} (${jvm?.vm_vendor ?? ''}). Machine: ${cpus().length} cores shared by ` +
      `the load generator, the gateway and Elasticsearch — and, during this run, by other work: the 1-minute load average was ` +
      `${loadBefore.toFixed(1)} at the start, so absolute qps are noisy; ratios are taken between points of this run. ` +
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
  const out = args.out;
  if (out !== '-') {
    writeFileSync(join(REPO, out), lines.join('\n'));
    log(`wrote ${out}`);
  }
  writeFileSync(
    join(cacheDir, 'real-data-load.json'),
    JSON.stringify({ started, by10, by100, byVector }, null, 2),
  );
  await es.close();
  await node.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
