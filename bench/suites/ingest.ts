import type { Client } from '@elastic/elasticsearch';
import {
  INDEX_SETTINGS,
  ITEMS_MAPPING,
  generationMapping,
} from '../../src/search/elasticsearch/index-mapping.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import type { Dataset } from '../data/dataset.js';
import { CHOSEN, section, type BenchContext } from '../lib/context.js';
import { bulkLoad, deleteIndexes, indexSizeBytes } from '../lib/elasticsearch-node.js';
import { fmtQps, fmtRatio, log, printTable, type Table } from '../lib/format.js';
import { graphql, startGatewayProcess } from '../lib/gateway-process.js';
import { allTokens, batches, itemDocument, itemInput } from '../lib/item-payloads.js';
import { cachedModel, paramsLabel, PrefixAdmin } from '../lib/lsh-admin.js';

const INGEST = `mutation Ingest($items: [ItemInput!]!) {
  ingestItems(items: $items) { indexed failed { id code message } }
}`;

interface IngestData {
  ingestItems: { indexed: number; failed: { id: string; code: string; message: string }[] };
}

/** Parallel requests in flight, for the gateway and for the raw bulk load alike. */
const INGEST_CLIENTS = 2;

/** Deletes the prefix's indexes, creates them anew and activates the given models. */
export async function freshPrefix(
  ctx: BenchContext,
  prefix: string,
  models: { IMAGE: LshModel; TEXT?: LshModel | null },
): Promise<PrefixAdmin> {
  await deleteIndexes(ctx.es, `${prefix}-`);
  const admin = await PrefixAdmin.open(ctx.esUrl, prefix);
  await admin.activate('IMAGE', models.IMAGE);
  if (models.TEXT) await admin.activate('TEXT', models.TEXT);
  return admin;
}

export interface IngestRunOptions {
  /** Vectors as `imageVectorBase64` (little-endian float32) instead of float lists. */
  base64?: boolean;
  /** The gateway's LSHQL_INGEST_REFRESH (default `false`: a bulk load). */
  refresh?: 'wait_for' | 'true' | 'false';
  /** Requests in flight (default 2). */
  clients?: number;
  /** The gateway's LSHQL_WORKERS (default: its own, the core count). */
  workers?: number;
}

/**
 * Every item through `ingestItems` (hash + bulk) of a gateway process, then one refresh;
 * returns seconds. The requests' items are built before the clock starts, as the raw bulk's
 * documents are.
 */
export async function ingestThroughGateway(
  ctx: BenchContext,
  data: Dataset,
  prefix: string,
  options: IngestRunOptions = {},
): Promise<number> {
  const gateway = await startGatewayProcess(ctx.repoDir, {
    elasticsearchUrl: ctx.esUrl,
    indexPrefix: prefix,
    extra: {
      LSHQL_INGEST_REFRESH: options.refresh ?? 'false',
      ...(options.workers ? { LSHQL_WORKERS: String(options.workers) } : {}),
    },
  });
  try {
    const requests = [...batches(data.count, ctx.size.ingestBatch)].map(([from, to]) => {
      const items = [];
      for (let i = from; i < to; i++) items.push(itemInput(data, i, { base64: options.base64 }));
      return items;
    });
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const items = requests[next++]!;
        const { ingestItems } = await graphql<IngestData>(gateway.url, INGEST, { items });
        if (ingestItems.failed.length > 0 || ingestItems.indexed !== items.length) {
          throw new Error(`ingest failed: ${JSON.stringify(ingestItems.failed.slice(0, 3))}`);
        }
      }
    };
    await Promise.all(Array.from({ length: options.clients ?? INGEST_CLIENTS }, worker));
    await ctx.es.indices.refresh({ index: `${prefix}-items` });
    return (performance.now() - started) / 1000;
  } finally {
    await gateway.stop();
  }
}

/**
 * The same documents, hashed beforehand, bulk-loaded straight into Elasticsearch the way the
 * gateway writes them (its `toDocument`, a revision as external version), then one refresh;
 * returns seconds. The documents are built before the clock starts.
 */
export async function rawBulkLoad(
  es: Client,
  data: Dataset,
  index: string,
  models: { IMAGE: LshModel; TEXT: LshModel | null },
  batchSize: number,
  options: Pick<IngestRunOptions, 'refresh' | 'clients'> = {},
): Promise<number> {
  const tokens = {
    image: allTokens(data, 'IMAGE', models.IMAGE),
    text: models.TEXT ? allTokens(data, 'TEXT', models.TEXT) : [],
    version: 1,
  };
  const withRevision = 'revision' in ITEMS_MAPPING.properties;
  if (await es.indices.exists({ index })) await es.indices.delete({ index });
  await es.indices.create({
    index,
    settings: INDEX_SETTINGS,
    mappings: generationMapping({}) as never,
  });
  const base = Date.now() * 1000;
  const requests = [...batches(data.count, batchSize)].map(([from, to]) => {
    const ops: unknown[] = [];
    for (let i = from; i < to; i++) {
      const doc = itemDocument(data, i, tokens);
      if (withRevision) {
        // The gateway stamps each write with a revision, its external version.
        const revision = base + i;
        ops.push({
          index: {
            _index: index,
            _id: data.ids[i],
            version: revision,
            version_type: 'external_gte',
          },
        });
        ops.push({ ...doc, revision });
      } else {
        ops.push({ index: { _index: index, _id: data.ids[i] } });
        ops.push(doc);
      }
    }
    return ops;
  });
  const refresh =
    options.refresh === 'true'
      ? true
      : (options.refresh ?? 'false') === 'wait_for'
        ? 'wait_for'
        : false;
  const started = performance.now();
  await bulkLoad(es, () => requests, options.clients ?? INGEST_CLIENTS, refresh);
  await es.indices.refresh({ index });
  return (performance.now() - started) / 1000;
}

export function defaultModels(ctx: BenchContext, data: Dataset) {
  return {
    IMAGE: cachedModel(ctx.cacheDir, data, 'IMAGE', CHOSEN),
    TEXT: data.text ? cachedModel(ctx.cacheDir, data, 'TEXT', CHOSEN) : null,
  };
}

/**
 * 6. Ingest: items/second through `ingestItems` (validate, hash with the active models, bulk)
 * vs a bulk load of the same documents, hashed beforehand, straight into Elasticsearch. The
 * gateway run leaves the main index (`<prefix>-main`) that the query benchmarks use.
 */
export async function ingestBenchmark(ctx: BenchContext, data: Dataset, mainPrefix: string) {
  const models = defaultModels(ctx, data);
  log(`ingest: ${data.count} items through the gateway into ${mainPrefix}`);
  const admin = await freshPrefix(ctx, mainPrefix, models);
  await admin.close();
  const gatewaySeconds = await ingestThroughGateway(ctx, data, mainPrefix);
  const mainSize = await indexSizeBytes(ctx.es, `${mainPrefix}-items`);

  log('ingest: the same documents, pre-hashed, bulk-loaded directly');
  const rawIndex = `${ctx.prefix}-rawbulk-items`;
  const rawSeconds = await rawBulkLoad(ctx.es, data, rawIndex, models, ctx.size.ingestBatch);
  const rawSize = await indexSizeBytes(ctx.es, rawIndex);
  await ctx.es.indices.delete({ index: rawIndex });

  const gatewayRate = data.count / gatewaySeconds;
  const rawRate = data.count / rawSeconds;
  const ratio = gatewayRate / rawRate;
  ctx.facts.ingestRatio = ratio;
  ctx.facts.mainIngestRate = gatewayRate;
  const table: Table = {
    title: `Ingest of ${data.count.toLocaleString('en-US')} items (${data.name})`,
    columns: ['path', 'seconds', 'items/s', 'vs raw bulk', 'index MB'],
    rows: [
      [
        `gateway \`ingestItems\` (validate + hash ${paramsLabel(CHOSEN)} both modalities + bulk)`,
        gatewaySeconds.toFixed(1),
        fmtQps(gatewayRate),
        fmtRatio(ratio),
        (mainSize / 2 ** 20).toFixed(0),
      ],
      [
        'raw `_bulk` of the same documents, tokens computed beforehand',
        rawSeconds.toFixed(1),
        fmtQps(rawRate),
        '1.00×',
        (rawSize / 2 ** 20).toFixed(0),
      ],
    ],
    note:
      `Batches of ${ctx.size.ingestBatch} items, ${INGEST_CLIENTS} requests in flight on both paths, ` +
      'no refresh per request and one refresh at the end (included). The gateway runs as a child ' +
      'process; its requests carry the vectors as GraphQL variables (JSON numbers).',
  };
  section(ctx, '6. Ingest throughput').tables.push(table);
  printTable(table);
  ctx.targets.push({
    target: 'Ingest ≥ 0.7 × the raw bulk load',
    measured: `${fmtRatio(ratio)} (${fmtQps(gatewayRate)} vs ${fmtQps(rawRate)} items/s)`,
    met: ratio >= 0.7,
  });
}
