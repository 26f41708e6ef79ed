/**
 * Load test of `similar` over HTTP: a private Elasticsearch node, the real gateway as a child
 * process, a generated collection ingested through GraphQL and both models trained, then
 * autocannon sends `similar` queries for random stored ids at a fixed number of connections.
 * It reports requests/s, latency percentiles, failures and the gateway's resident memory (RSS,
 * from /proc/<pid>/status) after warm-up and at the end, prints the tables (and writes them to --out).
 *
 *   npx tsx bench/load/similar-load.ts --duration 60 --connections 64
 *
 * Options: --duration S (60), --connections N (64), --warmup S (15), --items N (10000),
 * --es-port P (9310), --es-heap SIZE (1g), --out FILE ("-", the default: print only;
 * docs/load.md is written by bench/load/real-data-load.ts).
 * Only 127.0.0.1 is spoken to; Elasticsearch is stopped at the end when this run started it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import autocannon, { type Result } from 'autocannon';
import {
  DEFAULT_SYNTHETIC,
  generateSyntheticItems,
  toItemInput,
} from '../../src/demo/synthetic-items.js';
import { fmt, log, markdownTable, printTable, type Table } from '../lib/format.js';
import { graphql, startGatewayProcess, type GatewayProcess } from '../lib/gateway-process.js';
import { assertLoopback } from '../lib/loopback.js';
import { cpuSpan, elasticsearchPid } from '../lib/process-cpu.js';

const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '64' },
    warmup: { type: 'string', default: '15' },
    items: { type: 'string', default: '10000' },
    'es-port': { type: 'string', default: '9310' },
    'es-heap': { type: 'string', default: '1g' },
    out: { type: 'string', default: '-' },
  },
});

function positive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`--${name} must be an integer from 1 to ${max}, not "${value}"`);
  }
  return n;
}

const DURATION = positive('duration', args.duration, 600);
const CONNECTIONS = positive('connections', args.connections, 1024);
const WARMUP = positive('warmup', args.warmup, 120);
const ITEMS = positive('items', args.items, 200_000);
const ES_PORT = positive('es-port', args['es-port'], 65_535);
const ES_URL = assertLoopback(`http://127.0.0.1:${ES_PORT}`);
const MODEL = { subspaces: 16, clusters: 64, sampleSize: 3000 };
const INGEST_BATCH = 500;
const RSS_TARGET = 1.2;

const INGEST = `mutation Ingest($items: [ItemInput!]!) {
  ingestItems(items: $items) { indexed failed { id code message } }
}`;
const TRAIN = `mutation Train($modality: Modality!, $subspaces: Int, $clusters: Int, $sampleSize: Int) {
  trainModel(modality: $modality, subspaces: $subspaces, clusters: $clusters, sampleSize: $sampleSize) {
    version dim subspaces clusters trainedOn
  }
}`;
const SIMILAR = `query Similar($id: ID!) {
  similar(id: $id, first: 10) { hits { score item { id title } } }
}`;

/** Resident set size of a process, in MiB (VmRSS of /proc/<pid>/status). */
async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

async function elasticsearch(method: string, path: string): Promise<unknown> {
  const response = await fetch(`${ES_URL}${path}`, { method });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  return response.json();
}

/** Starts the node unless one already answers on the port; returns whether this run did. */
async function startElasticsearch(): Promise<boolean> {
  const env = { ...process.env, ES_PORT: String(ES_PORT), ES_HEAP: args['es-heap'] };
  const script = join(REPO_DIR, 'scripts', 'elasticsearch.sh');
  const running = await run('bash', [script, 'status'], { env }).then(
    () => true,
    () => false,
  );
  if (running) {
    log(`using the Elasticsearch already running at ${ES_URL}`);
    return false;
  }
  log(`starting Elasticsearch at ${ES_URL} (heap ${args['es-heap']})`);
  await run('bash', [script, 'start'], { env, timeout: 300_000 });
  return true;
}

async function stopElasticsearch(): Promise<void> {
  const env = { ...process.env, ES_PORT: String(ES_PORT) };
  log('stopping Elasticsearch');
  await run('bash', [join(REPO_DIR, 'scripts', 'elasticsearch.sh'), 'stop'], {
    env,
    timeout: 120_000,
  });
}

interface SearchStats {
  query_total: number;
  query_time_in_millis: number;
  fetch_total: number;
  fetch_time_in_millis: number;
}

/** The items index's search counters (query and fetch phases, over its primaries). */
async function searchStats(prefix: string): Promise<SearchStats> {
  const stats = (await elasticsearch('GET', `/${prefix}-items/_stats/search`)) as {
    _all: { primaries: { search: SearchStats } };
  };
  return stats._all.primaries.search;
}

async function deleteIndexes(prefix: string): Promise<void> {
  const indexes = (await elasticsearch('GET', `/_cat/indices/${prefix}-*?format=json`)) as {
    index: string;
  }[];
  for (const { index } of indexes) await elasticsearch('DELETE', `/${encodeURIComponent(index)}`);
}

/** Ingests through GraphQL in batches of 500, two requests in flight. */
async function ingest(
  url: string,
  items: ReturnType<typeof generateSyntheticItems>,
): Promise<void> {
  const batches: (typeof items)[] = [];
  for (let i = 0; i < items.length; i += INGEST_BATCH)
    batches.push(items.slice(i, i + INGEST_BATCH));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const data = await graphql<{ ingestItems: { indexed: number; failed: unknown[] } }>(
        url,
        INGEST,
        { items: batch.map(toItemInput) },
      );
      if (data.ingestItems.failed.length > 0) {
        throw new Error(`ingest failures: ${JSON.stringify(data.ingestItems.failed.slice(0, 3))}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
}

/** Runs autocannon: `similar` for a random stored id per request. */
function similarLoad(url: string, ids: readonly string[], seconds: number, title: string) {
  let graphqlErrors = 0;
  const instance = autocannon({
    url: `${url}/graphql`,
    title,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/graphql',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            query: SIMILAR,
            variables: { id: ids[Math.floor(Math.random() * ids.length)] },
          }),
        }),
      },
    ],
    // An HTTP 200 may still carry GraphQL errors: count those as mismatches.
    verifyBody: (body) => {
      const ok = body.startsWith('{"data":{"similar":{"hits":[{') && !body.includes('"errors"');
      if (!ok) graphqlErrors++;
      return ok;
    },
  });
  return { instance, graphqlErrors: () => graphqlErrors };
}

interface Figures {
  result: Result;
  /** Elasticsearch time per search during the run, by phase (ms). */
  esQueryMs: number;
  esFetchMs: number;
  /** CPU ms per request of each process (utime + stime of /proc/<pid>/stat over the run). */
  gatewayCpuMs: number;
  esCpuMs: number;
  /** 1-minute load average of the machine before and after the run. */
  loadBefore: number;
  loadAfter: number;
  graphqlErrors: number;
  rssAfterWarmup: number;
  rssEnd: number;
  rssPeak: number;
  esVersion: string;
  ingestSeconds: number;
  trainSeconds: number;
}

function report(f: Figures): { tables: Table[]; markdown: string } {
  const r = f.result;
  // autocannon counts timeouts among `errors`.
  const failures = r.errors + r.non2xx + f.graphqlErrors;
  const ratio = f.rssEnd / f.rssAfterWarmup;
  const throughput: Table = {
    title: `similar under load: ${CONNECTIONS} connections, ${DURATION} s`,
    columns: [
      'requests',
      'requests/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'failed',
      'ES CPU ms/req',
      'gateway CPU ms/req',
    ],
    rows: [
      [
        r.requests.total,
        r.requests.average,
        r.latency.p50,
        r.latency.p90,
        r.latency.p99,
        r.latency.max,
        failures,
        f.esCpuMs.toFixed(2),
        f.gatewayCpuMs.toFixed(2),
      ],
    ],
    note:
      `failed = connection errors and timeouts ${r.errors} (timeouts after 10 s: ${r.timeouts}), ` +
      `non-2xx ${r.non2xx}, GraphQL errors ${f.graphqlErrors}. Little's law: ${CONNECTIONS} ` +
      `connections / ${r.requests.average.toFixed(1)} requests/s = ` +
      `${(CONNECTIONS / r.requests.average).toFixed(2)} s per request, so the latencies are mostly ` +
      `queueing behind the throughput.`,
  };
  const elasticsearchTable: Table = {
    title: 'Where a search spends its time in Elasticsearch (mean per search during the run)',
    columns: ['query phase ms', 'fetch phase ms', 'machine load before', 'machine load after'],
    rows: [[f.esQueryMs, f.esFetchMs, f.loadBefore, f.loadAfter]],
    note:
      'The fetch phase reads the returned hits’ stored `_source` (their vectors left out of the ' +
      'answer); exact ranking runs in the query phase. Load = 1-minute load average of the machine.',
  };
  const memory: Table = {
    title: 'Gateway resident memory (VmRSS)',
    columns: ['after warm-up MiB', 'end MiB', 'peak MiB', 'end / after warm-up', 'target'],
    rows: [
      [
        f.rssAfterWarmup,
        f.rssEnd,
        f.rssPeak,
        `${ratio.toFixed(2)}×`,
        `≤ ${RSS_TARGET}× ${ratio <= RSS_TARGET ? '(met)' : '(missed)'}`,
      ],
    ],
  };
  const setup =
    `${fmt(ITEMS)} generated items (${DEFAULT_SYNTHETIC.imageDim}-d IMAGE and ` +
    `${DEFAULT_SYNTHETIC.textDim}-d TEXT vectors), ingested through \`ingestItems\` in batches of ` +
    `${INGEST_BATCH} (${f.ingestSeconds.toFixed(1)} s); both models trained with ` +
    `\`trainModel(subspaces: ${MODEL.subspaces}, clusters: ${MODEL.clusters}, sampleSize: ` +
    `${MODEL.sampleSize})\` (${f.trainSeconds.toFixed(1)} s for both). Elasticsearch ` +
    `${f.esVersion} (single node, heap ${args['es-heap']}) and the gateway (\`node --import tsx ` +
    `src/main.ts\`, NODE_ENV=production, default re-rank depth 100) on 127.0.0.1; autocannon 8 ` +
    `in the driving process sends \`similar(id, first: 10)\` for a random stored id per ` +
    `request, after a ${WARMUP} s warm-up at the same concurrency. All three share one machine ` +
    `(${cpus().length} cores, Node ${process.version}).`;
  const markdown = [
    '# Load: `similar` over HTTP',
    '',
    'Written by `npx tsx bench/load/similar-load.ts ' +
      `--duration ${DURATION} --connections ${CONNECTIONS}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    setup,
    '',
    `## ${throughput.title}`,
    '',
    markdownTable(throughput),
    '',
    throughput.note,
    '',
    `## ${elasticsearchTable.title}`,
    '',
    markdownTable(elasticsearchTable),
    '',
    elasticsearchTable.note,
    '',
    `## ${memory.title}`,
    '',
    markdownTable(memory),
    '',
    'RSS is read from `/proc/<pid>/status` of the gateway process right after the warm-up, ' +
      'every second during the run (peak), and at its end.',
    '',
  ].join('\n');
  return { tables: [throughput, elasticsearchTable, memory], markdown };
}

async function main(): Promise<void> {
  // A hard bound on the whole run, whatever happens.
  const deadline = setTimeout(
    () => {
      log('the run exceeded its time bound; exiting');
      process.exit(2);
    },
    (DURATION + WARMUP + 30 * 60) * 1000,
  );
  deadline.unref();

  const startedElasticsearch = await startElasticsearch();
  const prefix = `load-${randomBytes(3).toString('hex')}`;
  let gateway: GatewayProcess | undefined;
  let monitor: NodeJS.Timeout | undefined;
  let stopping: (() => void) | undefined;
  const interrupted = () => {
    log('interrupted: cleaning up');
    stopping?.();
  };
  process.once('SIGINT', interrupted);
  try {
    const nodeInfo = (await elasticsearch('GET', '/_nodes/_local/jvm')) as {
      nodes: Record<string, { version: string }>;
    };
    gateway = await startGatewayProcess(REPO_DIR, {
      elasticsearchUrl: ES_URL,
      indexPrefix: prefix,
      extra: { LOG_LEVEL: 'warn' },
    });
    log(`gateway pid ${gateway.pid} at ${gateway.url}`);

    const items = generateSyntheticItems({ ...DEFAULT_SYNTHETIC, count: ITEMS });
    const ids = items.map((item) => item.id);
    let started = performance.now();
    await ingest(gateway.url, items);
    await elasticsearch('POST', `/${prefix}-items/_refresh`);
    const ingestSeconds = (performance.now() - started) / 1000;
    log(`ingested ${ITEMS} items in ${ingestSeconds.toFixed(1)} s`);

    started = performance.now();
    for (const modality of ['IMAGE', 'TEXT']) {
      await graphql(gateway.url, TRAIN, { modality, ...MODEL });
    }
    await elasticsearch('POST', `/${prefix}-items/_refresh`);
    const trainSeconds = (performance.now() - started) / 1000;
    log(`trained both models in ${trainSeconds.toFixed(1)} s`);

    const check = await graphql<{ similar: { hits: unknown[] } }>(gateway.url, SIMILAR, {
      id: ids[0],
    });
    if (check.similar.hits.length === 0) throw new Error('similar found no hits after training');

    log(`warming up for ${WARMUP} s`);
    const warmup = similarLoad(gateway.url, ids, WARMUP, 'warm-up');
    stopping = () => warmup.instance.stop();
    const warm = await warmup.instance;
    log(`warm-up: ${Math.round(warm.requests.average)} requests/s`);
    const pid = gateway.pid;
    const rssAfterWarmup = await rssMiB(pid);
    let rssPeak = rssAfterWarmup;
    monitor = setInterval(() => {
      rssMiB(pid).then(
        (rss) => (rssPeak = Math.max(rssPeak, rss)),
        () => undefined,
      );
    }, 1000);

    log(`measuring for ${DURATION} s at ${CONNECTIONS} connections`);
    const statsBefore = await searchStats(prefix);
    const loadBefore = loadavg()[0]!;
    const cpu = cpuSpan({ gateway: pid, es: await elasticsearchPid(ES_URL) });
    const load = similarLoad(gateway.url, ids, DURATION, 'similar');
    stopping = () => load.instance.stop();
    const result = await load.instance;
    const cpuUsed = cpu.stop();
    clearInterval(monitor);
    const rssEnd = await rssMiB(pid);
    const loadAfter = loadavg()[0]!;
    const statsAfter = await searchStats(prefix);
    const perSearch = (time: keyof SearchStats, total: keyof SearchStats) =>
      (statsAfter[time] - statsBefore[time]) / Math.max(1, statsAfter[total] - statsBefore[total]);
    rssPeak = Math.max(rssPeak, rssEnd);

    const { tables, markdown } = report({
      result,
      graphqlErrors: load.graphqlErrors(),
      esQueryMs: perSearch('query_time_in_millis', 'query_total'),
      esFetchMs: perSearch('fetch_time_in_millis', 'fetch_total'),
      gatewayCpuMs: (cpuUsed.gateway! * 1000) / Math.max(1, result.requests.total),
      esCpuMs: (cpuUsed.es! * 1000) / Math.max(1, result.requests.total),
      loadBefore,
      loadAfter,
      rssAfterWarmup,
      rssEnd,
      rssPeak,
      esVersion: Object.values(nodeInfo.nodes)[0]?.version ?? '?',
      ingestSeconds,
      trainSeconds,
    });
    for (const table of tables) printTable(table);
    if (args.out !== '-') {
      await writeFile(join(REPO_DIR, args.out), markdown);
      log(`wrote ${args.out}`);
    }
  } finally {
    if (monitor) clearInterval(monitor);
    await gateway?.stop();
    await deleteIndexes(prefix).catch((error: unknown) =>
      log(`could not delete indexes: ${error}`),
    );
    if (startedElasticsearch) await stopElasticsearch();
    process.removeListener('SIGINT', interrupted);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
