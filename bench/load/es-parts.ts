/**
 * Elasticsearch's CPU per request of the parts of one `similar(id)` on Fashion-MNIST, sent
 * straight from this process (no gateway), in alternating rounds: the item look-up, the search
 * as the gateway compiles it (hits from doc values, its default), the same search reading the
 * hits from `_source`, the token match alone, and native kNN's `hnsw` search at the setting
 * that matches lshql's recall. Reads the indexes `npm run bench:real` builds (prefix
 * `bench-real`). Writes docs/es-parts.md.
 *
 *   ELASTICSEARCH_URL=http://127.0.0.1:9250 npx tsx bench/load/es-parts.ts
 *
 * Options: --seconds S (6 per part and round), --rounds N (3), --clients N (8), --queries N
 * (200 stored items as query items), --out FILE (docs/es-parts.md; "-" for none).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { modalitySpec } from '../../src/domain/modalities.js';
import { vectorsOf, type ItemDocument } from '../../src/search/elasticsearch/item-document.js';
import {
  LEAN_QUERY,
  compileSimilarQuery,
  type CompileOptions,
} from '../../src/search/elasticsearch/query-compiler.js';
import { DEFAULT_MLT_SETTINGS, type SimilarPlan } from '../../src/search/query-plan.js';
import { startBenchNode } from '../lib/bench-node.js';
import { fmtMs, log, markdownTable, printTable, type Table } from '../lib/format.js';
import { runLoad } from '../lib/load-generator.js';
import { cpuSpan } from '../lib/process-cpu.js';
import { mean } from '../lib/stats.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    clients: { type: 'string', default: '8' },
    queries: { type: 'string', default: '200' },
    out: { type: 'string', default: 'docs/es-parts.md' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CLIENTS = Number(args.clients);
const QUERIES = Number(args.queries);
const ITEMS = 'bench-real-items';
const KNN = 'bench-real-knn-hnsw';
/** An `hnsw` setting just below lshql's recall@10 (0.989 against 0.991 in docs/load.md T1). */
const KNN_CANDIDATES = 80;

/** The plan `similar(id, first: 10)` sends for a stored item, on the gateway's defaults. */
function planOf(id: string, doc: ItemDocument): SimilarPlan {
  const tokens = doc[modalitySpec('IMAGE').tokenField] ?? [];
  return {
    clauses: [{ modality: 'IMAGE', tokens, boost: 1 }],
    textFilter: null,
    excludeIds: [id],
    candidates: 10_000,
    mlt: { ...DEFAULT_MLT_SETTINGS, maxQueryTerms: tokens.length },
    vectorsFor: ['IMAGE'],
    rank: { queries: [{ modality: 'IMAGE', vector: vectorsOf(doc).IMAGE!, weight: 1 }], size: 10 },
    hitContent: 'keys',
  };
}

async function main() {
  const { node, es, jvm, esPid, started, loadBefore } = await startBenchNode(REPO);
  for (const index of [ITEMS, KNN]) {
    if (!(await es.indices.exists({ index }))) {
      throw new Error(`${index} is missing: run \`npm run bench:real\` on this node first.`);
    }
  }
  const count = (await es.count({ index: ITEMS })).count;
  const step = Math.max(1, Math.floor(count / QUERIES));
  const ids = Array.from(
    { length: QUERIES },
    (_, q) => `fashion-${String(q * step).padStart(5, '0')}`,
  );
  const docs = (await es.mget<ItemDocument>({ index: ITEMS, ids })).docs.map((d) => {
    if (!('found' in d) || !d.found || !d._source) throw new Error(`${d._id} not found`);
    return d._source;
  });
  const plans = docs.map((doc, q) => planOf(ids[q]!, doc));
  const search = (index: string, options: CompileOptions) => (q: number) =>
    es.search({ index, ...compileSimilarQuery(plans[q]!, index, options) } as never);

  const parts: { name: string; send: (q: number) => Promise<unknown> }[] = [
    {
      name: 'item look-up (`mget`, with its vector)',
      send: (q) => es.mget({ index: ITEMS, ids: [ids[q]!] }),
    },
    { name: 'search, hits from doc values (default)', send: search(ITEMS, LEAN_QUERY) },
    {
      name: 'search, hits from `_source` (doc-value-hits off)',
      send: search(ITEMS, { ...LEAN_QUERY, docValueHits: false }),
    },
    {
      name: 'token match alone (counted, no hits)',
      send: (q) =>
        es.count({
          index: ITEMS,
          query: { terms: { image_lsh: plans[q]!.clauses[0]!.tokens } },
        }),
    },
    {
      name: `native kNN \`hnsw\`, num_candidates ${KNN_CANDIDATES}, no \`_source\``,
      send: (q) =>
        es.search({
          index: KNN,
          size: 11,
          _source: false,
          knn: {
            field: 'image_vector',
            query_vector: plans[q]!.rank!.queries[0]!.vector as number[],
            k: 11,
            num_candidates: KNN_CANDIDATES,
          },
        }),
    },
  ];

  const perRound = new Map<string, number[]>(parts.map((p) => [p.name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? parts : [...parts].reverse();
    for (const part of order) {
      const task = (n: number) => part.send(n % QUERIES).then(() => undefined);
      await runLoad(task, { concurrency: CLIENTS, maxRequests: 500, maxSeconds: 3 });
      const span = cpuSpan({ es: esPid });
      const r = await runLoad(task, {
        concurrency: CLIENTS,
        maxRequests: 1e7,
        maxSeconds: SECONDS,
      });
      const cpu = span.stop();
      const ms = (cpu.es! * 1000) / r.requests;
      perRound.get(part.name)!.push(ms);
      log(
        `${part.name}, round ${round}: ${ms.toFixed(3)} ms ES CPU per request, ${r.qps.toFixed(0)} qps`,
      );
    }
  }

  const base = mean(perRound.get(parts[1]!.name)!);
  const table: Table = {
    title: 'P1. Elasticsearch CPU per request of the parts of `similar(id, first: 10)`',
    columns: ['part', 'ES CPU ms/req (mean)', 'per round', 'against the default search'],
    rows: parts.map((part) => {
      const values = perRound.get(part.name)!;
      return [
        part.name,
        fmtMs(mean(values)),
        values.map((v) => v.toFixed(2)).join(', '),
        `${(mean(values) / base).toFixed(2)}×`,
      ];
    }),
    note:
      `${QUERIES} stored items as query items (every ${step}th of ${count}), each part sent straight to Elasticsearch by ${CLIENTS} closed-loop clients for ${SECONDS} s per round ` +
      `after 500 unmeasured requests, ${ROUNDS} rounds in alternating order. The searches are the gateway's own (\`compileSimilarQuery\` on the plan \`similar(id, first: 10)\` sends for that item: ` +
      `its tokens and vector, the item excluded); the kNN search asks for 11 hits and drops the query item, as in docs/load.md. ES CPU: utime + stime of the Elasticsearch process over the measured span, divided by the requests answered.`,
  };
  printTable(table);

  if (args.out !== '-') {
    // The integration-test distribution refuses `GET /`: the version comes from the node info.
    const info = await es.nodes.info({ metric: ['jvm'] });
    const version = Object.values(info.nodes)[0]?.version ?? 'unknown';
    const command = `ELASTICSEARCH_URL=${node.url} npx tsx bench/load/es-parts.ts --seconds ${SECONDS} --rounds ${ROUNDS} --clients ${CLIENTS} --queries ${QUERIES}`;
    const text = [
      '# Elasticsearch CPU per request, part by part',
      '',
      `Written by \`${command}\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, on the indexes \`npm run bench:real\` builds (Fashion-MNIST's 60,000 training images, 784-d).`,
      '',
      `Server: Elasticsearch ${version} (integration-test distribution, one node) on ${jvm?.vm_name ?? 'a JVM'} ${jvm?.version ?? ''} (${jvm?.vm_vendor ?? ''}). Machine: 2 cores shared by this load generator and Elasticsearch; 1-minute load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end.`,
      '',
      `## ${table.title}`,
      '',
      markdownTable(table),
      '',
      table.note!,
      '',
    ].join('\n');
    writeFileSync(join(REPO, args.out!), text);
    log(`wrote ${args.out}`);
  }
  await es.close();
  await node.stop();
}

await main();
