import type { LoadedData } from '../data/synthetic-data.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, RECIPE, section, type BenchContext } from '../lib/context.js';
import { mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { log, printTable, type Table, loadCells } from '../lib/format.js';
import { knnSearch } from '../lib/knn-index.js';
import {
  cachedModel,
  paramsLabel,
  productDefaultParams,
  type LshParams,
} from '../lib/lsh-admin.js';
import { measureQueries } from '../lib/measure.js';
import { queryClient } from '../lib/query-clients.js';
import { freshPrefix, ingestThroughGateway } from './ingest.js';
import { buildKnnIndexes, knnIndexName } from './native-knn.js';
import { gatewayPoint, postingsWalked, rankingLabel } from './similar.js';

/** The real data set (scikit-learn's digits): `similar` through the gateway and native kNN. */
export async function realDataBenchmark(ctx: BenchContext, loaded: LoadedData) {
  const { data, truth } = loaded;
  const prefix = `${ctx.prefix}-${data.name}`;
  // The product's defaults for this data (16 × 16 rot for 4-d slices), measured last.
  const defaults = productDefaultParams(data);
  const configs: { params: LshParams; depths: number[] }[] = [
    { params: RECIPE, depths: [0, CHOSEN_RERANK_DEPTH] },
    { params: CHOSEN, depths: [0, CHOSEN_RERANK_DEPTH] },
    { params: { subspaces: 16, clusters: 64, rotate: true }, depths: [CHOSEN_RERANK_DEPTH] },
    { params: { subspaces: 16, clusters: 32, rotate: true }, depths: [CHOSEN_RERANK_DEPTH] },
    { params: defaults, depths: [0, CHOSEN_RERANK_DEPTH] },
  ];
  const table: Table = {
    title: `Real data: scikit-learn \`digits\` (${data.count} items, ${data.image.dim}-d pixels, ${data.queries.length} queries)`,
    columns: [
      'method',
      'setting',
      'postings walked',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
    ],
    rows: [],
    note:
      'Every 9th image is a query item, held out of model training. Gateway: `similar(id)`, ' +
      'child process; native kNN: hnsw index, straight from the client.',
  };
  log(`real data: ingesting ${data.name}`);
  const admin = await freshPrefix(ctx, prefix, {
    IMAGE: cachedModel(ctx.cacheDir, data, 'IMAGE', CHOSEN),
  });
  try {
    await ingestThroughGateway(ctx, data, prefix);
    for (const config of configs) {
      const model = cachedModel(ctx.cacheDir, data, 'IMAGE', config.params);
      await admin.activateAndRehash('IMAGE', model);
      await mergeToOneSegment(ctx.es, admin.itemsAlias);
      const walked = postingsWalked(data, model);
      for (const depth of config.depths) {
        log(`real data: ${paramsLabel(config.params)} rerank ${depth}`);
        const r = await gatewayPoint(ctx, prefix, data, truth.image, depth);
        if (config.params === defaults && depth === CHOSEN_RERANK_DEPTH) {
          ctx.facts.digitsRecall = r.recall;
          ctx.facts.digitsDefaultClusters = defaults.clusters;
        }
        table.rows.push([
          `gateway ${paramsLabel(config.params)}${config.params === defaults ? ' (defaults)' : ''}`,
          rankingLabel(depth),
          `${walked.toFixed(2)}×N`,
          ...loadCells(r),
        ]);
      }
    }
  } finally {
    await admin.close();
  }
  await buildKnnIndexes(ctx, data, ['hnsw']);
  const client = queryClient(ctx.esUrl);
  try {
    for (const nc of [10, 40, 160]) {
      log(`real data: knn num_candidates ${nc}`);
      const r = await measureQueries(
        ctx,
        knnSearch(client, knnIndexName(ctx, data, 'hnsw'), data, { numCandidates: nc }),
        truth.image,
      );
      table.rows.push(['native kNN hnsw', `nc ${nc}`, '–', ...loadCells(r)]);
    }
  } finally {
    await client.close();
  }
  section(ctx, 'Real data set').tables.push(table);
  printTable(table);
}
