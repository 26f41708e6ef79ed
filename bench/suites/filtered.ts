import type { Dataset, GroundTruth } from '../data/dataset.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, section, type BenchContext } from '../lib/context.js';
import { fmtMs, fmtQps, fmtRecall, log, printTable, type Table } from '../lib/format.js';
import { startGatewayProcess } from '../lib/gateway-process.js';
import { knnSearch } from '../lib/knn-index.js';
import { paramsLabel } from '../lib/lsh-admin.js';
import { measureQueries } from '../lib/measure.js';
import { gatewaySimilar, queryClient } from '../lib/query-clients.js';
import { knnIndexName } from './native-knn.js';

/**
 * 8. Filtered similarity: a textFilter keeping ~5% of the items (one topic's name). "own topic"
 * filters on the query's own topic (its neighbours match); "other topic" on a topic unlike the
 * query (no near neighbour matches: the hard case). Recall@10 against the exact top-10 among the
 * matching items; every hit must match, and `first` hits must come back when ≥ `first` match.
 */
export async function filteredBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
) {
  if (!data.ownTopicFilter || !data.otherTopicFilter || !truth.filteredOwn || !truth.filteredOther)
    return;
  const cases = [
    {
      name: 'own topic',
      filters: data.ownTopicFilter,
      truths: truth.filteredOwn,
      counts: truth.filteredOwnCounts!,
    },
    {
      name: 'other topic',
      filters: data.otherTopicFilter,
      truths: truth.filteredOther,
      counts: truth.filteredOtherCounts!,
    },
  ];
  const table: Table = {
    title: `Filtered similarity (textFilter = a topic name, ~5% of items) — ${data.name}`,
    columns: [
      'filter',
      'method',
      'recall@10',
      'queries short of 10 hits',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
    ],
    rows: [],
    note:
      'Matching items per query: ' +
      cases.map((c) => `${c.name} ${Math.min(...c.counts)}–${Math.max(...c.counts)}`).join(', ') +
      ` of ${data.count}. Gateway: \`similar(id, modalities: [IMAGE], textFilter)\`, ${paramsLabel(CHOSEN)}, ` +
      `rerank ${CHOSEN_RERANK_DEPTH}. Native kNN: the same multi_match as a kNN filter (HNSW ` +
      'pre-filtering), hnsw index.',
  };
  const gateway = await startGatewayProcess(ctx.repoDir, {
    elasticsearchUrl: ctx.esUrl,
    indexPrefix: mainPrefix,
    rerankDepth: CHOSEN_RERANK_DEPTH,
  });
  const client = queryClient(ctx.esUrl);
  let short = 0;
  try {
    for (const c of cases) {
      const expectedHits = (q: number) => Math.min(10, c.counts[q]!);
      log(`filtered: ${c.name}, gateway`);
      const g = await measureQueries(
        ctx,
        gatewaySimilar(gateway.url, data, {
          modalities: ['IMAGE'],
          textFilter: (q) => c.filters[q]!,
        }),
        c.truths,
        { expectedHits },
      );
      short += g.shortAnswers;
      table.rows.push([
        c.name,
        'gateway `similar`',
        fmtRecall(g.recall),
        g.shortAnswers,
        fmtQps(g.qps),
        fmtMs(g.p50Ms),
        fmtMs(g.p99Ms),
      ]);
      for (const nc of [100, 500]) {
        log(`filtered: ${c.name}, knn num_candidates ${nc}`);
        const k = await measureQueries(
          ctx,
          knnSearch(client, knnIndexName(ctx, data, 'hnsw'), data, {
            numCandidates: nc,
            textFilter: (q) => c.filters[q]!,
          }),
          c.truths,
          { expectedHits },
        );
        table.rows.push([
          c.name,
          `native kNN + filter, nc ${nc}`,
          fmtRecall(k.recall),
          k.shortAnswers,
          fmtQps(k.qps),
          fmtMs(k.p50Ms),
          fmtMs(k.p99Ms),
        ]);
      }
    }
  } finally {
    await client.close();
    await gateway.stop();
  }
  section(ctx, '8. Filtered similarity').tables.push(table);
  printTable(table);
  ctx.targets.push({
    target: 'Filtered similarity returns `first` hits whenever ≥ `first` items match',
    measured: `${short} of ${2 * data.queries.length} filtered queries came back short`,
    met: short === 0,
  });
}
