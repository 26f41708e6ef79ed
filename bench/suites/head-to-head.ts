import type { Dataset, GroundTruth } from '../data/dataset.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, section, type BenchContext } from '../lib/context.js';
import { fmtMs, fmtQps, fmtRatio, fmtRecall, log, printTable, type Table } from '../lib/format.js';
import { startGatewayProcess } from '../lib/gateway-process.js';
import { knnSearch } from '../lib/knn-index.js';
import { paramsLabel } from '../lib/lsh-admin.js';
import { measureQueries, type PointResult } from '../lib/measure.js';
import { gatewaySimilar, queryClient } from '../lib/query-clients.js';
import { knnIndexName, knnQpsAtRecall, type KnnPoint } from './native-knn.js';
import type { SimilarPoint } from './similar.js';

/**
 * The throughput target, measured paired: the gateway with the defaults and native kNN at the
 * cheapest setting reaching the gateway's recall, alternated for two rounds each, so that both
 * see the same machine (a busy machine's load changes from minute to minute).
 */
export async function headToHeadBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
  chosen: SimilarPoint,
  knnPoints: readonly KnnPoint[],
) {
  const recall = chosen.result.recall;
  const peer =
    knnQpsAtRecall(knnPoints, recall) ??
    [...knnPoints].sort((a, b) => b.result.recall - a.result.recall)[0];
  if (!peer) return;
  const gateway = await startGatewayProcess(ctx.repoDir, {
    elasticsearchUrl: ctx.esUrl,
    indexPrefix: mainPrefix,
    rerankDepth: CHOSEN_RERANK_DEPTH,
  });
  const client = queryClient(ctx.esUrl);
  const runs: { gateway: PointResult[]; knn: PointResult[] } = { gateway: [], knn: [] };
  try {
    for (let round = 0; round < 2; round++) {
      log(`head to head: round ${round + 1}, gateway`);
      runs.gateway.push(
        await measureQueries(
          ctx,
          gatewaySimilar(gateway.url, data, { modalities: ['IMAGE'] }),
          truth.image,
        ),
      );
      log(`head to head: round ${round + 1}, native kNN ${peer.type} nc ${peer.numCandidates}`);
      runs.knn.push(
        await measureQueries(
          ctx,
          knnSearch(client, knnIndexName(ctx, data, peer.type), data, {
            numCandidates: peer.numCandidates,
          }),
          truth.image,
        ),
      );
    }
  } finally {
    await client.close();
    await gateway.stop();
  }
  const avg = (rs: PointResult[], f: (r: PointResult) => number) =>
    rs.reduce((s, r) => s + f(r), 0) / rs.length;
  const g = runs.gateway;
  const k = runs.knn;
  const ratio = avg(g, (r) => r.qps) / avg(k, (r) => r.qps);
  const table: Table = {
    title: `Head to head at the same recall — ${data.name}`,
    columns: [
      'method',
      'setting',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
      'qps vs kNN',
    ],
    rows: [
      [
        'gateway `similar(id, modalities: [IMAGE])`',
        `${paramsLabel(CHOSEN)}, exact ranking`,
        fmtRecall(avg(g, (r) => r.recall)),
        fmtQps(avg(g, (r) => r.qps)),
        fmtMs(avg(g, (r) => r.p50Ms)),
        fmtMs(avg(g, (r) => r.p99Ms)),
        fmtRatio(ratio),
      ],
      [
        'native kNN (client → Elasticsearch)',
        `${peer.type}, num_candidates ${peer.numCandidates}`,
        fmtRecall(avg(k, (r) => r.recall)),
        fmtQps(avg(k, (r) => r.qps)),
        fmtMs(avg(k, (r) => r.p50Ms)),
        fmtMs(avg(k, (r) => r.p99Ms)),
        '1.00×',
      ],
    ],
    note:
      'kNN setting: the fastest one of the sweep whose recall reached the gateway’s. Two ' +
      'alternating rounds each; means reported.',
  };
  section(ctx, 'Head to head: the gateway against native kNN').tables.push(table);
  printTable(table);
  ctx.targets.push({
    target: 'At that recall, gateway qps ≥ native kNN qps at the same recall',
    measured: `${fmtRatio(ratio)} (gateway ${fmtQps(avg(g, (r) => r.qps))} qps at ${fmtRecall(avg(g, (r) => r.recall))}; kNN ${peer.type} nc ${peer.numCandidates} ${fmtQps(avg(k, (r) => r.qps))} qps at ${fmtRecall(avg(k, (r) => r.recall))}, paired runs)`,
    met: ratio >= 1,
  });
}
