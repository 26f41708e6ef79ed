/**
 * Benchmarks of lshql: figures, never tests. One command runs them all and writes
 * docs/benchmarks.md and docs/benchmark-recall-qps.svg:
 *
 *   npm run bench -- --size quick     (N = 10k, ~25 min on 2 cores)
 *   npm run bench -- --size full      (N = 100k)
 *   npm run bench -- --size tiny      (N = 2k, a smoke run; writes under .cache/bench)
 *
 * Options: --only a,b / --skip a,b (suites: hashing, ingest, knn, similar, multimodal, probes, mlt, bands,
 * overhead, filtered, real, growth), --keep (keep the benchmark's indexes), --docs FILE.
 * Elasticsearch: ELASTICSEARCH_URL, or a private node started on BENCH_ES_PORT (9300) with
 * BENCH_ES_HEAP (2g) by scripts/elasticsearch.sh and stopped afterwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { digitsData } from './data/digits-data.js';
import { syntheticData, type LoadedData } from './data/synthetic-data.js';
import {
  CHOSEN,
  CHOSEN_RERANK_DEPTH,
  K,
  SIZES,
  section,
  type BenchContext,
  type SizeName,
} from './lib/context.js';
import { adminClient, deleteIndexes, ensureElasticsearch } from './lib/elasticsearch-node.js';
import { fmtRecall, log, printTable } from './lib/format.js';
import { paramsLabel, productDefaultParams } from './lib/lsh-admin.js';
import { ensureVenv } from './python/python-env.js';
import {
  finishMachineInfo,
  machineInfo,
  resultsMarkdown,
  writeFormatted,
  writeReport,
} from './report/markdown-report.js';
import { recallQpsSvg } from './report/svg-plot.js';
import { bandsBenchmark } from './suites/bands.js';
import { filteredBenchmark } from './suites/filtered.js';
import { growthBenchmark } from './suites/growth.js';
import { headToHeadBenchmark } from './suites/head-to-head.js';
import { hashingBenchmark } from './suites/hashing.js';
import { ingestBenchmark } from './suites/ingest.js';
import {
  buildKnnIndexes,
  knnIndexName,
  nativeKnnBenchmark,
  type KnnPoint,
} from './suites/native-knn.js';
import { overheadBenchmark } from './suites/overhead.js';
import { realDataBenchmark } from './suites/real-data.js';
import {
  mltSettingsBenchmark,
  multimodalBenchmark,
  probesBenchmark,
  similarBenchmark,
  type SimilarPoint,
} from './suites/similar.js';

const SUITES = [
  'hashing',
  'ingest',
  'knn',
  'similar',
  'multimodal',
  'probes',
  'mlt',
  'bands',
  'overhead',
  'filtered',
  'real',
  'growth',
] as const;
type Suite = (typeof SUITES)[number];

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseOptions() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: 'quick' },
      only: { type: 'string' },
      skip: { type: 'string' },
      keep: { type: 'boolean', default: false },
      docs: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npx tsx bench/run.ts [--size tiny|quick|full] [--only a,b] [--skip a,b] [--keep] [--docs FILE]',
    );
    console.log(`suites: ${SUITES.join(', ')}`);
    process.exit(0);
  }
  if (!(values.size! in SIZES))
    throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  const list = (s: string | undefined) => (s ? s.split(',').map((x) => x.trim()) : null);
  const only = list(values.only);
  const skip = list(values.skip) ?? [];
  for (const name of [...(only ?? []), ...skip]) {
    if (!SUITES.includes(name as Suite))
      throw new Error(`unknown suite "${name}"; suites: ${SUITES.join(', ')}`);
  }
  const size = SIZES[values.size as SizeName];
  // `bands` (experiments with other token and vector layouts) runs only when named in --only.
  const enabled = (s: Suite) => (only ? only.includes(s) : s !== 'bands') && !skip.includes(s);
  const docs =
    values.docs ??
    (size.name === 'tiny'
      ? join(REPO, '.cache/bench/benchmarks-tiny.md')
      : join(REPO, 'docs/benchmarks.md'));
  return {
    size,
    enabled,
    keep: values.keep!,
    docs: resolve(docs),
    partial: only !== null || skip.length > 0,
  };
}

async function mainIndexReady(ctx: BenchContext, prefix: string, count: number): Promise<boolean> {
  const alias = `${prefix}-items`;
  if (!(await ctx.es.indices.existsAlias({ name: alias }))) return false;
  const { count: stored } = await ctx.es.count({ index: alias });
  return stored === count;
}

async function main() {
  const options = parseOptions();
  const started = new Date();
  const cacheDir = join(REPO, '.cache/bench');
  mkdirSync(cacheDir, { recursive: true });
  const node = await ensureElasticsearch(REPO);
  const es = adminClient(node.url);
  const machine = machineInfo(node.version, node.heap);
  const ctx: BenchContext = {
    repoDir: REPO,
    cacheDir,
    esUrl: node.url,
    es,
    size: options.size,
    prefix: `bench-${options.size.name}`,
    sections: [],
    plot: [],
    targets: [],
    facts: {},
  };
  const { enabled } = options;
  const mainPrefix = `${ctx.prefix}-main`;
  try {
    // 1. Data
    const main: LoadedData = syntheticData(cacheDir, ctx.size.corpus, ctx.size.queries, K);
    const productDefaults = productDefaultParams(main.data);
    if (paramsLabel(productDefaults) !== paramsLabel(CHOSEN)) {
      log(
        `note: trainModel would pick ${paramsLabel(productDefaults)} for this data; the tables call ${paramsLabel(CHOSEN)} "chosen"`,
      );
    }
    const digits = enabled('real')
      ? await digitsData(cacheDir, await ensureVenv(cacheDir), K)
      : null;
    const dataTable = {
      title: 'Data sets',
      columns: [
        'data set',
        'items indexed',
        'query items',
        'dims',
        'generated in s',
        'exact top-10 in s',
      ],
      rows: [main, ...(digits ? [digits] : [])].map((d) => [
        d.data.name,
        d.data.count,
        d.data.queries.length,
        d.data.text ? `${d.data.image.dim} image + ${d.data.text.dim} text` : `${d.data.image.dim}`,
        d.generateSeconds === null ? 'cached' : d.generateSeconds.toFixed(1),
        d.truth.seconds.toFixed(1),
      ]),
      note:
        'Synthetic: `generateSyntheticItems` (seed 7; 20 topics × 10 sub-topics shared by the ' +
        'image and text vectors; titles and texts from per-topic vocabularies). The query items ' +
        'follow the corpus: indexed (so `similar(id)` can name them) but never in a training ' +
        'sample. Exact top-10 by brute-force cosine, the query item excluded; cached under ' +
        '.cache/bench/data.',
    };
    section(ctx, '1. Data').tables.push(dataTable);
    printTable(dataTable);

    if (enabled('hashing')) await hashingBenchmark(ctx, main.data);

    const needMain = (
      ['similar', 'multimodal', 'probes', 'mlt', 'overhead', 'filtered', 'growth'] as Suite[]
    ).some(enabled);
    if (
      enabled('ingest') ||
      (needMain && !(await mainIndexReady(ctx, mainPrefix, main.data.count)))
    ) {
      await ingestBenchmark(ctx, main.data, mainPrefix);
    }

    let knnPoints: KnnPoint[] = [];
    if (enabled('knn')) knnPoints = await nativeKnnBenchmark(ctx, main.data, main.truth);
    else if (
      (enabled('filtered') || enabled('growth')) &&
      !(await es.indices.exists({ index: knnIndexName(ctx, main.data, 'hnsw') }))
    ) {
      await buildKnnIndexes(ctx, main.data, ['hnsw']);
    }

    let similarPoints: SimilarPoint[] = [];
    if (enabled('similar'))
      similarPoints = await similarBenchmark(ctx, main.data, main.truth, mainPrefix);
    const chosenPoint = similarPoints.find(
      (p) => p.params === CHOSEN && p.depth === CHOSEN_RERANK_DEPTH,
    );
    if (chosenPoint && knnPoints.length > 0) {
      await headToHeadBenchmark(ctx, main.data, main.truth, mainPrefix, chosenPoint, knnPoints);
    }
    if (enabled('multimodal')) await multimodalBenchmark(ctx, main.data, main.truth, mainPrefix);
    if (enabled('probes')) await probesBenchmark(ctx, main.data, main.truth, mainPrefix);
    if (enabled('mlt')) await mltSettingsBenchmark(ctx, main.data, main.truth, mainPrefix);
    if (enabled('bands')) await bandsBenchmark(ctx, main.data, main.truth);
    if (enabled('overhead')) await overheadBenchmark(ctx, main.data, main.truth, mainPrefix);
    if (enabled('filtered')) await filteredBenchmark(ctx, main.data, main.truth, mainPrefix);
    if (digits) await realDataBenchmark(ctx, digits);
    if (enabled('growth')) await growthBenchmark(ctx, main.data, mainPrefix);

    // Targets that compare benchmarks with each other.
    if (chosenPoint) {
      const r = chosenPoint.result.recall;
      const digitsRecall = ctx.facts.digitsRecall;
      ctx.targets.unshift({
        target: `Recall@10 ≥ 0.95 with the defaults (rerank ${CHOSEN_RERANK_DEPTH}), generated and real data`,
        measured: `${fmtRecall(r)} generated (${paramsLabel(CHOSEN)})${digitsRecall !== undefined ? `, ${fmtRecall(digitsRecall)} digits (16×${ctx.facts.digitsDefaultClusters} rot)` : ''}`,
        met: r >= 0.95 && (digitsRecall === undefined || digitsRecall >= 0.95),
      });
    }
    const targets = {
      title: 'Targets',
      columns: ['target', 'measured', 'met'],
      rows: ctx.targets.map((t) => [
        t.target,
        t.measured,
        t.met === null ? '–' : t.met ? 'yes' : 'NO',
      ]),
    };
    printTable(targets);

    // Report.
    const docsDir = dirname(options.docs);
    const plotFile = join(docsDir, 'benchmark-recall-qps.svg');
    const plotTitle = `Recall@10 vs throughput — ${main.data.name}, 8 clients`;
    if (ctx.plot.length > 0) writeFileSync(plotFile, recallQpsSvg(ctx.plot, plotTitle));
    const command = `npm run bench -- --size ${ctx.size.name}`;
    const finished = new Date();
    const machineAtEnd = finishMachineInfo(machine);
    const markdown = resultsMarkdown(
      ctx,
      machineAtEnd,
      command,
      relative(docsDir, plotFile),
      started,
      finished,
    );
    if (options.partial) {
      const file = join(cacheDir, `benchmarks-${ctx.size.name}-partial.md`);
      await writeReport(file, markdown);
      log(`partial run: report written to ${file}`);
    } else {
      await writeReport(options.docs, markdown);
      log(`report written to ${options.docs}`);
    }
    // Figures of complete quick/full runs go to bench/results (kept with the docs); others to the cache.
    const resultsDir =
      options.partial || ctx.size.name === 'tiny' ? cacheDir : join(REPO, 'bench/results');
    mkdirSync(resultsDir, { recursive: true });
    await writeFormatted(
      join(resultsDir, `${ctx.size.name}${options.partial ? '-partial' : ''}.json`),
      JSON.stringify({
        title: plotTitle,
        started,
        machine,
        size: ctx.size,
        targets: ctx.targets,
        facts: ctx.facts,
        plot: ctx.plot,
        sections: ctx.sections,
      }),
    );
  } finally {
    if (!options.keep) await deleteIndexes(es, `${ctx.prefix}-`).catch(() => undefined);
    await es.close();
    await node.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
