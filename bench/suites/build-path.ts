import type { Client } from '@elastic/elasticsearch';
import { request } from 'node:http';
import type { Dataset } from '../data/dataset.js';
import { CHOSEN, SIZES, type BenchContext } from '../lib/context.js';
import { deleteIndexes } from '../lib/elasticsearch-node.js';
import { fmtQps, log, printTable, type Table } from '../lib/format.js';
import { graphql, startGatewayProcess, type GatewayProcess } from '../lib/gateway-process.js';
import { batches, itemInput } from '../lib/item-payloads.js';
import { buildKnnIndex } from '../lib/knn-index.js';
import { runLoad, type LoadResult } from '../lib/load-generator.js';
import { cachedModel, paramsLabel, PrefixAdmin, TRAIN_SAMPLE } from '../lib/lsh-admin.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import { freshPrefix, ingestThroughGateway, rawBulkLoad } from '../suites/ingest.js';

const INGEST = `mutation Ingest($items: [ItemInput!]!) {
  ingestItems(items: $items) { indexed failed { id code message } }
}`;
const TRAIN = `mutation Train($modality: Modality!) {
  trainModel(modality: $modality) { version subspaces clusters trainedOn }
}`;
const SIMILAR = `query Similar($id: ID!) {
  similar(id: $id, first: 10, modalities: [IMAGE]) { hits { item { id } } }
}`;

interface IngestData {
  ingestItems: { indexed: number; failed: { id: string; code: string; message: string }[] };
}

export interface BuildPathOptions {
  es: Client;
  esUrl: string;
  repoDir: string;
  cacheDir: string;
  data: Dataset;
  /** Seconds of `similar` load at rest. */
  restSeconds: number;
  /**
   * LSHQL_INGEST_REFRESH of the time-to-searchable load: `false` as a bulk load runs (what
   * `lshql ingest` does, and like native kNN's bulk, which refreshes once at the end), or the
   * gateway's default `wait_for`.
   */
  loadRefresh: 'false' | 'wait_for';
  batch: number;
  clients: number;
  workers: number;
}

const since = (t: number) => (performance.now() - t) / 1000;

/**
 * `trainModel` holds its request until the model is active, longer than fetch waits for
 * response headers (300 s): posted with node:http and no timeout.
 */
function trainModel<T>(url: string): Promise<T> {
  const body = JSON.stringify({ query: TRAIN, variables: { modality: 'IMAGE' } });
  return new Promise<T>((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 0 },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            const parsed = JSON.parse(text) as { data?: T; errors?: { message: string }[] };
            if (parsed.errors?.length || !parsed.data) {
              reject(new Error(`trainModel failed: ${parsed.errors?.[0]?.message ?? text}`));
            } else {
              resolve(parsed.data);
            }
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function ingestAll(gateway: GatewayProcess, o: BuildPathOptions): Promise<void> {
  const ranges = [...batches(o.data.count, o.batch)];
  let next = 0;
  const worker = async () => {
    while (next < ranges.length) {
      const [from, to] = ranges[next++]!;
      const items = [];
      for (let i = from; i < to; i++) items.push(itemInput(o.data, i));
      const { ingestItems } = await graphql<IngestData>(gateway.url, INGEST, { items });
      if (ingestItems.failed.length > 0 || ingestItems.indexed !== to - from) {
        throw new Error(`ingest failed: ${JSON.stringify(ingestItems.failed.slice(0, 3))}`);
      }
    }
  };
  await Promise.all(Array.from({ length: o.clients }, worker));
}

function similarLoad(gateway: GatewayProcess, data: Dataset) {
  return async (i: number) => {
    const id = data.ids[(i * 7919) % data.count]!;
    await graphql(gateway.url, SIMILAR, { id });
  };
}

/**
 * The build path on a gateway child process: ingest every item through GraphQL and train (time
 * to searchable), `similar` latency at rest and while a second training runs, against native
 * kNN's bulk + HNSW + force-merge of the same vectors; then ingest through GraphQL with a model
 * active against a raw bulk of the same pre-hashed documents.
 */
export async function buildPathBenchmark(
  o: BuildPathOptions,
  suites: { during: boolean; searchable: boolean; ingest: boolean },
): Promise<Table[]> {
  const tables: Table[] = [];
  const prefix = 'bench-build';
  const { data } = o;
  await deleteIndexes(o.es, `${prefix}-`);
  let modelPrefix: string | null = null;

  if (suites.during || suites.searchable) {
    const gateway = await startGatewayProcess(o.repoDir, {
      elasticsearchUrl: o.esUrl,
      indexPrefix: prefix,
      extra: {
        LSHQL_INGEST_REFRESH: o.loadRefresh,
        LSHQL_WORKERS: String(o.workers),
        LSHQL_DEMO_DATA: 'false',
      },
    });
    try {
      log(`build: ${data.count} items through ingestItems (no model yet)`);
      let t = performance.now();
      await ingestAll(gateway, o);
      // Searchable once refreshed (a no-op after `wait_for` writes), as the kNN load ends.
      await o.es.indices.refresh({ index: `${prefix}-items` });
      const ingestSeconds = since(t);
      log('build: trainModel(IMAGE), defaults');
      t = performance.now();
      const trained = await trainModel<{ trainModel: { subspaces: number; clusters: number } }>(
        gateway.url,
      );
      const trainSeconds = since(t);
      modelPrefix = prefix;

      if (suites.searchable) {
        log('build: native kNN (bulk + HNSW + force-merge) of the same vectors');
        const knn = await buildKnnIndex(o.es, data, `${prefix}-knn-hnsw`, 'hnsw', o.batch);
        const knnSeconds = knn.loadSeconds + knn.mergeSeconds;
        const lshql = ingestSeconds + trainSeconds;
        const table: Table = {
          title: `Time to searchable — ${data.count.toLocaleString('en-US')} Fashion-MNIST images`,
          columns: ['path', 'load s', 'build s', 'total s', 'vs native kNN'],
          rows: [
            [
              `lshql: ingestItems, then trainModel (${trained.trainModel.subspaces} × ${trained.trainModel.clusters}, sample, re-hash, switch)`,
              ingestSeconds.toFixed(1),
              trainSeconds.toFixed(1),
              lshql.toFixed(1),
              `${(lshql / knnSeconds).toFixed(2)}×`,
            ],
            [
              'native kNN: bulk, then force-merge to one segment (HNSW m 16, ef_construction 100)',
              knn.loadSeconds.toFixed(1),
              knn.mergeSeconds.toFixed(1),
              knnSeconds.toFixed(1),
              '1.00×',
            ],
          ],
          note:
            `ingestItems in batches of ${o.batch}, ${o.clients} requests in flight, ` +
            `LSHQL_INGEST_REFRESH=${o.loadRefresh}${o.loadRefresh === 'wait_for' ? ' (the default)' : ' (a bulk load, as lshql ingest runs it)'}, then one refresh; ` +
            `the kNN bulk load uses the same batches with refresh off, then one refresh. ` +
            `Gateway: a child process with ${o.workers} pool workers.`,
        };
        printTable(table);
        tables.push(table);
        await o.es.indices.delete({ index: `${prefix}-knn-hnsw` });
      }

      if (suites.during) {
        log(`build: similar at rest, ${o.restSeconds} s`);
        const load = similarLoad(gateway, data);
        const rest = await runLoad(load, {
          concurrency: 4,
          maxRequests: 1_000_000,
          maxSeconds: o.restSeconds,
          warmupRequests: 50,
          maxErrors: 1_000_000,
        });
        log('build: similar while trainModel(IMAGE) runs again');
        let training = true;
        t = performance.now();
        const retrain = trainModel(gateway.url).finally(() => {
          training = false;
        });
        const latencies: number[] = [];
        let errors = 0;
        let firstError: string | undefined;
        let n = 0;
        const worker = async () => {
          while (training) {
            const i = n++;
            const t0 = performance.now();
            try {
              await load(i);
              if (training) latencies.push(performance.now() - t0);
            } catch (error) {
              errors++;
              firstError ??= (error as Error).message;
            }
          }
        };
        await Promise.all([retrain, ...Array.from({ length: 4 }, worker)]);
        const retrainSeconds = since(t);
        latencies.sort((a, b) => a - b);
        const pct = (p: number) =>
          latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ??
          NaN;
        const during: LoadResult = {
          requests: latencies.length,
          errors,
          seconds: retrainSeconds,
          qps: latencies.length / retrainSeconds,
          p50Ms: pct(50),
          p99Ms: pct(99),
          meanMs: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
          ...(firstError ? { firstError } : {}),
        };
        const table: Table = {
          title: '`similar` while a model trains',
          columns: ['when', 'requests', 'failed', 'qps', 'p50 ms', 'p99 ms', 'p99 / rest'],
          rows: [
            [
              'at rest',
              rest.requests,
              rest.errors,
              fmtQps(rest.qps),
              rest.p50Ms.toFixed(1),
              rest.p99Ms.toFixed(1),
              '1.00×',
            ],
            [
              `during trainModel (${retrainSeconds.toFixed(0)} s: sample, k-means, re-hash, switch)`,
              during.requests,
              during.errors,
              fmtQps(during.qps),
              during.p50Ms.toFixed(1),
              during.p99Ms.toFixed(1),
              `${(during.p99Ms / rest.p99Ms).toFixed(2)}×`,
            ],
          ],
          note:
            `4 clients in a loop, \`similar(id, first: 10, modalities: [IMAGE])\` on the ` +
            `${data.count.toLocaleString('en-US')} items; only answers that arrived while the ` +
            `training ran count for the second row.${firstError ? ` First error: ${firstError}` : ''}`,
        };
        printTable(table);
        tables.push(table);
      }
    } finally {
      await gateway.stop();
    }
  }

  if (suites.ingest) tables.push(...(await ingestSuite(o, modelPrefix ?? prefix)));
  return tables;
}

type Refresh = 'wait_for' | 'false';

/**
 * Ingest through `ingestItems` of a gateway child process with a model active (vectors as base64
 * and as float lists, at LSHQL_INGEST_REFRESH=wait_for and =false) against a raw `_bulk` of the
 * same documents, hashed beforehand (at refresh=false and =wait_for); every run ends with one
 * refresh, included. The model is the one the searchable or during-training suite activated on
 * `modelPrefix`, else the bench's cached 16 × 256 model of the same items.
 */
async function ingestSuite(o: BuildPathOptions, modelPrefix: string): Promise<Table[]> {
  const { data } = o;
  const admin = await PrefixAdmin.open(o.esUrl, modelPrefix);
  let model: LshModel | undefined;
  try {
    model = (await admin.services.registry.active('IMAGE'))?.model;
  } catch {
    // No registry on this prefix yet: no model.
  } finally {
    await admin.close();
  }
  let modelSource = 'the model the searchable suite trained through the gateway';
  if (!model) {
    model = cachedModel(o.cacheDir, data, 'IMAGE', CHOSEN);
    modelSource = `the bench's ${paramsLabel(CHOSEN)} model of the first ${TRAIN_SAMPLE.toLocaleString('en-US')} images`;
  }
  const ctx: BenchContext = {
    repoDir: o.repoDir,
    cacheDir: o.cacheDir,
    esUrl: o.esUrl,
    es: o.es,
    size: { ...SIZES.quick, ingestBatch: o.batch },
    prefix: 'bench-build',
    sections: [],
    plot: [],
    targets: [],
    facts: {},
  };
  const raw: Record<Refresh, number> = { false: 0, wait_for: 0 };
  const rawRun = async (refresh: Refresh) => {
    log(`ingest: raw bulk of the same pre-hashed documents, refresh=${refresh}`);
    const index = 'bench-build-rawbulk-items';
    raw[refresh] = await rawBulkLoad(o.es, data, index, { IMAGE: model, TEXT: null }, o.batch, {
      refresh,
      clients: o.clients,
    });
    await o.es.indices.delete({ index });
  };
  const runs: { base64: boolean; refresh: Refresh; seconds: number }[] = [];
  const gatewayRun = async (base64: boolean, refresh: Refresh) => {
    log(`ingest: ingestItems, ${base64 ? 'base64' : 'float lists'}, refresh=${refresh}`);
    const prefix = 'bench-build-ingest';
    const fresh = await freshPrefix(ctx, prefix, { IMAGE: model });
    await fresh.close();
    const seconds = await ingestThroughGateway(ctx, data, prefix, {
      base64,
      refresh,
      clients: o.clients,
      workers: o.workers,
    });
    runs.push({ base64, refresh, seconds });
    await deleteIndexes(o.es, `${prefix}-`);
  };
  // Raw bulk first and last, so that a change of the machine's load during the runs shows.
  await rawRun('false');
  for (const refresh of ['false', 'wait_for'] as const) {
    await gatewayRun(true, refresh);
    await gatewayRun(false, refresh);
  }
  await rawRun('wait_for');

  const rate = (seconds: number) => fmtQps(data.count / seconds);
  const ratio = (seconds: number, rawSeconds: number) => `${(rawSeconds / seconds).toFixed(2)}×`;
  const table: Table = {
    title: `Ingest of ${data.count.toLocaleString('en-US')} Fashion-MNIST images with a model active`,
    columns: [
      'path',
      'refresh',
      'seconds',
      'items/s',
      'vs raw bulk, refresh=false',
      'vs raw bulk, same refresh',
    ],
    rows: [
      ...runs.map((r) => [
        `ingestItems (validate + hash in the pool + bulk), ${r.base64 ? 'base64 vectors' : 'float lists'}`,
        r.refresh,
        r.seconds.toFixed(1),
        rate(r.seconds),
        ratio(r.seconds, raw.false),
        ratio(r.seconds, raw[r.refresh]),
      ]),
      ...(['false', 'wait_for'] as const).map((refresh) => [
        'raw `_bulk` of the same documents, tokens computed beforehand',
        refresh,
        raw[refresh].toFixed(1),
        rate(raw[refresh]),
        ratio(raw[refresh], raw.false),
        '1.00×',
      ]),
    ],
    note:
      `Batches of ${o.batch}, ${o.clients} requests in flight on every path; each run ends with one ` +
      'refresh (included); refresh is LSHQL_INGEST_REFRESH for the gateway and the `refresh` ' +
      'parameter of each `_bulk` for the raw load. Both write the same documents (the gateway’s ' +
      'toDocument: base64 float32 vectors in `_source`, float32 dense vectors, revision as ' +
      'external version); request bodies are built before the clock starts. Gateway: a child ' +
      `process with ${o.workers} pool workers; model: ${modelSource}. Order: raw bulk ` +
      '(refresh=false), the gateway rows as listed, raw bulk (refresh=wait_for).',
  };
  printTable(table);
  return [table];
}
