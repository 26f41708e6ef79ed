import type { Dataset, GroundTruth } from '../data/dataset.js';
import { section, type BenchContext } from '../lib/context.js';
import { log, printTable, type Table, loadCells } from '../lib/format.js';
import {
  buildKnnIndex,
  knnSearch,
  type KnnIndexInfo,
  type KnnIndexType,
} from '../lib/knn-index.js';
import { measureQueries, type PointResult } from '../lib/measure.js';
import { queryClient } from '../lib/query-clients.js';

export const KNN_TYPES: KnnIndexType[] = ['hnsw', 'int8_hnsw'];
export const NUM_CANDIDATES = [10, 20, 40, 80, 160, 320, 640];

export interface KnnPoint {
  type: KnnIndexType;
  numCandidates: number;
  result: PointResult;
}

export function knnIndexName(ctx: BenchContext, data: Dataset, type: KnnIndexType): string {
  return `${ctx.prefix}-knn-${data.name}-${type}`.toLowerCase();
}

/** Builds the native kNN indexes of a data set (one per HNSW type). */
export async function buildKnnIndexes(
  ctx: BenchContext,
  data: Dataset,
  types: KnnIndexType[] = KNN_TYPES,
): Promise<KnnIndexInfo[]> {
  const infos: KnnIndexInfo[] = [];
  for (const type of types) {
    log(`knn: building ${type} index of ${data.count} items`);
    infos.push(
      await buildKnnIndex(ctx.es, data, knnIndexName(ctx, data, type), type, ctx.size.ingestBatch),
    );
  }
  return infos;
}

/**
 * 3. Elasticsearch's native kNN (dense_vector HNSW, `knn` search, num_candidates swept) on the
 * same items, same server, same run, queried straight with the official client.
 */
export async function nativeKnnBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  sweep: number[] = NUM_CANDIDATES,
): Promise<KnnPoint[]> {
  const infos = await buildKnnIndexes(ctx, data);
  const client = queryClient(ctx.esUrl);
  const points: KnnPoint[] = [];
  const table: Table = {
    title: `Native kNN on the image vectors — ${data.name}`,
    columns: ['index', 'num_candidates', 'recall@10', 'qps (8 clients)', 'p50 ms', 'p99 ms'],
    rows: [],
    note:
      '`knn` with k = 11 (the query item dropped), `_source` id and title, straight from the ' +
      'benchmark process with @elastic/elasticsearch; HNSW m = 16, ef_construction = 100, one ' +
      'segment. Each request carries the query vector.',
  };
  try {
    for (const info of infos) {
      for (const nc of sweep) {
        log(`knn: ${info.type} num_candidates ${nc}`);
        const result = await measureQueries(
          ctx,
          knnSearch(client, info.index, data, { numCandidates: nc }),
          truth.image,
        );
        points.push({ type: info.type, numCandidates: nc, result });
        table.rows.push([info.type, nc, ...loadCells(result)]);
        ctx.plot.push({
          series: `native kNN ${info.type}`,
          label: `nc ${nc}`,
          recall: result.recall,
          qps: result.qps,
        });
      }
    }
    const build: Table = {
      title: `Native kNN index build — ${data.name}`,
      columns: ['index', 'bulk load s', 'merge to 1 segment s', 'size MB'],
      rows: infos.map((i) => [
        i.type,
        i.loadSeconds.toFixed(1),
        i.mergeSeconds.toFixed(1),
        (i.sizeBytes / 2 ** 20).toFixed(0),
      ]),
    };
    const s = section(ctx, '3. Elasticsearch native kNN (the peer)');
    s.tables.push(table, build);
    printTable(table);
    printTable(build);

    if (truth.multimodal) {
      const mm: Table = {
        title: `Native kNN on both modalities (two knn clauses, scores summed) — ${data.name}`,
        columns: ['index', 'num_candidates', 'recall@10', 'qps (8 clients)', 'p50 ms', 'p99 ms'],
        rows: [],
        note:
          'Truth: exact top-10 by the mean of image and text cosine. Each clause returns ' +
          'num_candidates hits (k = num_candidates) so that the summed scores cover both lists.',
      };
      for (const nc of [40, 160]) {
        log(`knn: both modalities, num_candidates ${nc}`);
        const r = await measureQueries(
          ctx,
          knnSearch(client, infos[0]!.index, data, { numCandidates: nc, multimodal: true }),
          truth.multimodal,
        );
        mm.rows.push([infos[0]!.type, nc, ...loadCells(r)]);
      }
      s.tables.push(mm);
      printTable(mm);
    }
  } finally {
    await client.close();
  }
  return points;
}

/** The best kNN throughput at a recall of at least `recall` (null when none gets there). */
export function knnQpsAtRecall(points: readonly KnnPoint[], recall: number): KnnPoint | null {
  let best: KnnPoint | null = null;
  for (const p of points) {
    if (p.result.recall >= recall - 1e-9 && (!best || p.result.qps > best.result.qps)) best = p;
  }
  return best;
}
