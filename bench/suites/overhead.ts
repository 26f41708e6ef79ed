import { compileSimilarQuery } from '../../src/search/elasticsearch/query-compiler.js';
import { DEFAULT_MLT_SETTINGS, type SimilarPlan } from '../../src/search/query-plan.js';
import { decodeVector } from '../../src/search/elasticsearch/vector-encoding.js';
import type { Dataset, GroundTruth } from '../data/dataset.js';
import { CHOSEN, CHOSEN_RERANK_DEPTH, section, type BenchContext } from '../lib/context.js';
import { fmtMs, fmtQps, fmtRatio, fmtRecall, log, printTable, type Table } from '../lib/format.js';
import { startGatewayProcess } from '../lib/gateway-process.js';
import { paramsLabel } from '../lib/lsh-admin.js';
import { measureQueries, type PointResult } from '../lib/measure.js';
import { gatewaySimilar, queryClient } from '../lib/query-clients.js';

interface StoredDoc {
  id: string;
  title: string | null;
  text: string | null;
  tags: string[];
  modalities: ('IMAGE' | 'TEXT')[];
  image_lsh?: string[];
  image_model_version?: number;
  /** As the gateway stores them: base64 float32 (or, from older gateways, JSON numbers). */
  vectors?: { image?: string | number[] };
}

function stored(v: string | number[] | undefined): number[] | undefined {
  return typeof v === 'string' ? decodeVector(v) : v;
}

/**
 * The gateway's `similar` done by hand with the Elasticsearch client: the same `mget` of the
 * query item (with its vectors and tokens), the same search body (`compileSimilarQuery`: token
 * match and exact rescore in one request) — no HTTP server, no GraphQL.
 */
function directSimilar(esUrl: string, alias: string, data: Dataset, depth: number) {
  const client = queryClient(esUrl);
  const answer = async (q: number): Promise<string[]> => {
    const id = data.ids[data.queries[q]!]!;
    const got = await client.mget<StoredDoc>({ index: alias, ids: [id] });
    const doc = got.docs[0];
    const source = doc && 'found' in doc && doc.found ? doc._source : undefined;
    const vector = stored(source?.vectors?.image);
    if (!source || !vector || !source.image_lsh)
      throw new Error(`item ${id} not found or not hashed`);
    const plan: SimilarPlan = {
      clauses: [{ modality: 'IMAGE', tokens: source.image_lsh, boost: 1 }],
      textFilter: null,
      excludeIds: [id],
      candidates: Math.max(10, depth),
      mlt: { ...DEFAULT_MLT_SETTINGS, maxQueryTerms: source.image_lsh.length },
      vectorsFor: ['IMAGE'],
      rank: { queries: [{ modality: 'IMAGE', vector, weight: 1 }], size: 10 },
    };
    const response = await client.search<StoredDoc>({
      index: alias,
      ...compileSimilarQuery(plan, alias),
    });
    return response.hits.hits.flatMap((hit) => (hit._source ? [hit._source.id] : []));
  };
  return { answer, close: () => client.close() };
}

/**
 * 4. Gateway overhead: the same Elasticsearch requests sent directly with the client vs through
 * the GraphQL gateway. Two alternating rounds each; the mean of the rounds is reported.
 */
export async function overheadBenchmark(
  ctx: BenchContext,
  data: Dataset,
  truth: GroundTruth,
  mainPrefix: string,
) {
  const alias = `${mainPrefix}-items`;
  const gateway = await startGatewayProcess(ctx.repoDir, {
    elasticsearchUrl: ctx.esUrl,
    indexPrefix: mainPrefix,
    rerankDepth: CHOSEN_RERANK_DEPTH,
  });
  const direct = directSimilar(ctx.esUrl, alias, data, CHOSEN_RERANK_DEPTH);
  const runs: { gateway: PointResult[]; direct: PointResult[] } = { gateway: [], direct: [] };
  try {
    for (let round = 0; round < 2; round++) {
      log(`overhead: round ${round + 1}, direct client`);
      runs.direct.push(await measureQueries(ctx, direct.answer, truth.image));
      log(`overhead: round ${round + 1}, through the gateway`);
      runs.gateway.push(
        await measureQueries(
          ctx,
          gatewaySimilar(gateway.url, data, { modalities: ['IMAGE'] }),
          truth.image,
        ),
      );
    }
  } finally {
    await direct.close();
    await gateway.stop();
  }
  const avg = (rs: PointResult[], f: (r: PointResult) => number) =>
    rs.reduce((s, r) => s + f(r), 0) / rs.length;
  const g = {
    qps: avg(runs.gateway, (r) => r.qps),
    p50: avg(runs.gateway, (r) => r.p50Ms),
    p99: avg(runs.gateway, (r) => r.p99Ms),
    recall: avg(runs.gateway, (r) => r.recall),
  };
  const d = {
    qps: avg(runs.direct, (r) => r.qps),
    p50: avg(runs.direct, (r) => r.p50Ms),
    p99: avg(runs.direct, (r) => r.p99Ms),
    recall: avg(runs.direct, (r) => r.recall),
  };
  const ratio = g.qps / d.qps;
  const added = g.p50 - d.p50;
  ctx.facts.overheadRatio = ratio;
  ctx.facts.overheadAddedP50 = added;
  const table: Table = {
    title: `Gateway overhead — \`similar\`, ${paramsLabel(CHOSEN)}, rerank ${CHOSEN_RERANK_DEPTH}, ${data.name}`,
    columns: [
      'path',
      'recall@10',
      'qps (8 clients)',
      'p50 ms',
      'p99 ms',
      'qps vs direct',
      'added p50 ms',
    ],
    rows: [
      [
        'direct: client `mget` + `search` (same body)',
        fmtRecall(d.recall),
        fmtQps(d.qps),
        fmtMs(d.p50),
        fmtMs(d.p99),
        '1.00×',
        '–',
      ],
      [
        'gateway: HTTP → GraphQL → same requests → answer',
        fmtRecall(g.recall),
        fmtQps(g.qps),
        fmtMs(g.p50),
        fmtMs(g.p99),
        fmtRatio(ratio),
        fmtMs(added),
      ],
    ],
    note:
      'Direct: the benchmark process does what the gateway does (same mget of the item, same ' +
      'search body from `compileSimilarQuery`: token match and exact ranking in Elasticsearch). ' +
      'Gateway: a child process. Mean of two alternating rounds. On 2 cores the gateway ' +
      'process competes with Elasticsearch for CPU.',
  };
  section(ctx, '4. Gateway overhead').tables.push(table);
  printTable(table);
  ctx.targets.push({
    target: 'Gateway throughput ≥ 0.9 × direct client; added p50 ≤ 2 ms',
    measured: `${fmtRatio(ratio)}, +${fmtMs(added)} ms p50`,
    met: ratio >= 0.9 && added <= 2,
  });
}
