import { syntheticData } from '../data/synthetic-data.js';
import type { Dataset } from '../data/dataset.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, K, section, type BenchContext } from '../lib/context.js';
import { deleteIndexes, indexSizeBytes, mergeToOneSegment } from '../lib/elasticsearch-node.js';
import { fmtQps, log, printTable, type Table, loadCells } from '../lib/format.js';
import { knnSearch } from '../lib/knn-index.js';
import { cachedModel, paramsLabel } from '../lib/lsh-admin.js';
import { measureQueries } from '../lib/measure.js';
import { queryClient } from '../lib/query-clients.js';
import { freshPrefix, ingestThroughGateway } from './ingest.js';
import { buildKnnIndexes, knnIndexName } from './native-knn.js';
import { gatewayPoint } from './similar.js';

const GROWTH_CANDIDATES = [40, 160];

/**
 * 7. Growth: the figures of 2 (chosen model, rerank depth as chosen) and native kNN at the
 * preset's corpus sizes, each its own index. Every size uses the model trained on the main data
 * set's sample, so only N changes. The main size reuses the main indexes.
 */
export async function growthBenchmark(ctx: BenchContext, main: Dataset, mainPrefix: string) {
  const model: LshModel = cachedModel(ctx.cacheDir, main, 'IMAGE', CHOSEN);
  const table: Table = {
    title: `Growth with N — \`similar(id, modalities: [IMAGE])\`, ${paramsLabel(CHOSEN)}, rerank ${CHOSEN_RERANK_DEPTH}, vs native kNN (hnsw)`,
    columns: [
      'N',
      'method',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
      'ingest/load items/s',
      'index MB',
    ],
    rows: [],
    note:
      'Gateway ingest: `ingestItems` with the image model active (text vectors stored, not ' +
      'hashed). Native kNN load: bulk + HNSW build + merge to one segment.',
  };
  const client = queryClient(ctx.esUrl);
  try {
    for (const n of ctx.size.growth) {
      const isMain = n === main.corpusCount;
      const { data, truth } = isMain
        ? { data: main, truth: syntheticData(ctx.cacheDir, n, ctx.size.queries, K).truth }
        : syntheticData(ctx.cacheDir, n, ctx.size.queries, K);
      const prefix = isMain ? mainPrefix : `${ctx.prefix}-growth-${n}`;
      let ingestRate: number | null = ctx.facts.mainIngestRate ?? null;
      if (!isMain) {
        log(`growth: N = ${n}, ingest through the gateway`);
        const admin = await freshPrefix(ctx, prefix, { IMAGE: model });
        await admin.close();
        const seconds = await ingestThroughGateway(ctx, data, prefix);
        ingestRate = data.count / seconds;
        await mergeToOneSegment(ctx.es, `${prefix}-items`);
      }
      log(`growth: N = ${n}, gateway`);
      const g = await gatewayPoint(ctx, prefix, data, truth.image, CHOSEN_RERANK_DEPTH);
      const lshSize = await indexSizeBytes(ctx.es, `${prefix}-items`);
      table.rows.push([
        n,
        'gateway `similar`',
        ...loadCells(g),
        ingestRate === null ? '–' : fmtQps(ingestRate),
        (lshSize / 2 ** 20).toFixed(0),
      ]);
      let knnIndex = knnIndexName(ctx, data, 'hnsw');
      let knnRate: number | null = null;
      let knnSize = 0;
      if (!isMain || !(await ctx.es.indices.exists({ index: knnIndex }))) {
        const [info] = await buildKnnIndexes(ctx, data, ['hnsw']);
        knnIndex = info!.index;
        knnRate = data.count / (info!.loadSeconds + info!.mergeSeconds);
        knnSize = info!.sizeBytes;
      } else {
        knnSize = await indexSizeBytes(ctx.es, knnIndex);
      }
      for (const nc of GROWTH_CANDIDATES) {
        log(`growth: N = ${n}, knn num_candidates ${nc}`);
        const k = await measureQueries(
          ctx,
          knnSearch(client, knnIndex, data, { numCandidates: nc }),
          truth.image,
        );
        table.rows.push([
          n,
          `native kNN, nc ${nc}`,
          ...loadCells(k),
          knnRate === null ? '–' : fmtQps(knnRate),
          (knnSize / 2 ** 20).toFixed(0),
        ]);
      }
      if (!isMain) {
        await deleteIndexes(ctx.es, `${prefix}-`);
        if (await ctx.es.indices.exists({ index: knnIndex }))
          await ctx.es.indices.delete({ index: knnIndex });
      }
    }
  } finally {
    await client.close();
  }
  section(ctx, '7. Growth with N').tables.push(table);
  printTable(table);
}
