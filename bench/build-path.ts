/**
 * The build path on Fashion-MNIST: training against scikit-learn, `similar` latency while a
 * model trains, time to searchable against native kNN, and ingest through GraphQL against a raw
 * bulk. Prints tables and writes them as markdown to .cache/bench/build-path.md.
 *
 *   npm run bench:build                                  (all suites, 60k items, 10k sample)
 *   npm run bench:build -- --suite training              (one or more suites, comma-separated)
 *   npm run bench:build -- --items 20000 --sample 5000   (smaller runs)
 *
 * Suites: training, during-training, searchable, ingest. Elasticsearch: ELASTICSEARCH_URL, or a
 * private node (see bench/lib/elasticsearch-node.ts). LSHQL_WORKERS sets the pool size (default:
 * the core count).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readFashionMnist } from './data/fashion-mnist.js';
import { log, markdownTable, type Table } from './lib/format.js';
import { ensureVenv } from './python/python-env.js';
import type { Dataset } from './data/dataset.js';
import { adminClient, ensureElasticsearch } from './lib/elasticsearch-node.js';
import { buildPathBenchmark } from './suites/build-path.js';
import { trainingBenchmark } from './suites/training.js';

const SUITES = ['training', 'during-training', 'searchable', 'ingest'] as const;
type Suite = (typeof SUITES)[number];
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The refresh of the time-to-searchable load: a bulk load's (`false`) or the default's. */
function loadRefresh(value: string): 'false' | 'wait_for' {
  if (value !== 'false' && value !== 'wait_for') {
    throw new Error('--load-refresh must be false or wait_for');
  }
  return value;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string' },
      items: { type: 'string', default: '60000' },
      sample: { type: 'string', default: '10000' },
      workers: { type: 'string' },
      'no-inline': { type: 'boolean', default: false },
      'rest-seconds': { type: 'string', default: '20' },
      'load-refresh': { type: 'string', default: 'false' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: npm run bench:build -- [--suite a,b] [--items N] [--sample N] [--workers N] [--no-inline] [--load-refresh false|wait_for]',
    );
    console.log(`suites: ${SUITES.join(', ')}`);
    process.exit(0);
  }
  const suites = values.suite ? values.suite.split(',').map((s) => s.trim()) : [...SUITES];
  for (const s of suites) {
    if (!SUITES.includes(s as Suite))
      throw new Error(`unknown suite "${s}"; suites: ${SUITES.join(', ')}`);
  }
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    suites: new Set(suites as Suite[]),
    items: Math.min(int('items', values.items!), 60_000),
    sample: int('sample', values.sample!),
    workers: int(
      'workers',
      values.workers ?? process.env.LSHQL_WORKERS ?? String(availableParallelism()),
    ),
    inline: !values['no-inline'],
    restSeconds: int('rest-seconds', values['rest-seconds']!),
    loadRefresh: loadRefresh(values['load-refresh']!),
  };
}

async function main() {
  const options = parseOptions();
  const cacheDir = join(REPO, '.cache/bench');
  mkdirSync(cacheDir, { recursive: true });
  const tables: Table[] = [];
  const started = new Date();
  const fashion = readFashionMnist('train');

  if (options.suites.has('training')) {
    const sample = Math.min(options.sample, fashion.count);
    const figures = await trainingBenchmark({
      vectors: fashion.pixels.subarray(0, sample * fashion.dim),
      count: sample,
      dim: fashion.dim,
      workers: options.workers,
      python: await ensureVenv(cacheDir),
      cacheDir,
      repoDir: REPO,
      inline: options.inline,
    });
    tables.push(figures.table);
  }

  const { suites } = options;
  if (suites.has('during-training') || suites.has('searchable') || suites.has('ingest')) {
    const count = Math.min(options.items, fashion.count);
    const data: Dataset = {
      name: `fashion-mnist-${count}`,
      count,
      corpusCount: count,
      ids: Array.from({ length: count }, (_, i) => `fashion-${String(i).padStart(5, '0')}`),
      titles: Array.from({ length: count }, (_, i) => `class ${fashion.labels[i]!}`),
      texts: Array.from({ length: count }, () => null),
      tags: Array.from({ length: count }, (_, i) => [`class-${fashion.labels[i]!}`]),
      image: {
        dim: fashion.dim,
        data: fashion.pixels.subarray(0, count * fashion.dim),
        decimals: 0,
      },
      text: null,
      queries: [],
      ownTopicFilter: null,
      otherTopicFilter: null,
    };
    const node = await ensureElasticsearch(REPO);
    const es = adminClient(node.url);
    try {
      tables.push(
        ...(await buildPathBenchmark(
          {
            es,
            esUrl: node.url,
            repoDir: REPO,
            cacheDir,
            data,
            restSeconds: options.restSeconds,
            loadRefresh: options.loadRefresh,
            batch: 250,
            clients: 2,
            workers: options.workers,
          },
          {
            during: suites.has('during-training'),
            searchable: suites.has('searchable'),
            ingest: suites.has('ingest'),
          },
        )),
      );
    } finally {
      await es.close();
      await node.stop();
    }
  }

  const argv = process.argv.slice(2).join(' ');
  const markdown = [
    `Command: \`npm run bench:build${argv ? ` -- ${argv}` : ''}\`, ${started.toISOString()}, ` +
      `${availableParallelism()} cores, ${options.workers} pool workers.`,
    ...tables.map((t) => [`### ${t.title}`, markdownTable(t), t.note ?? ''].join('\n\n').trim()),
  ].join('\n\n');
  const file = join(cacheDir, 'build-path.md');
  writeFileSync(file, `${markdown}\n`);
  log(`tables written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
