import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import { log } from './format.js';
import { assertLoopback } from './loopback.js';

const run = promisify(execFile);

export interface ElasticsearchNode {
  url: string;
  /** True when this run started the node (and so stops it at the end). */
  startedHere: boolean;
  version: string;
  heap: string;
  stop(): Promise<void>;
}

/**
 * The Elasticsearch to benchmark against: ELASTICSEARCH_URL when set (left running), otherwise a
 * private node started with scripts/elasticsearch.sh on BENCH_ES_PORT (default 9300) with
 * BENCH_ES_HEAP (default 2g) and stopped at the end if this run started it.
 */
export async function ensureElasticsearch(repoDir: string): Promise<ElasticsearchNode> {
  const given = process.env.ELASTICSEARCH_URL;
  const port = process.env.BENCH_ES_PORT ?? '9300';
  const heap = process.env.BENCH_ES_HEAP ?? '2g';
  const script = `${repoDir}/scripts/elasticsearch.sh`;
  const env = { ...process.env, ES_PORT: port, ES_HEAP: heap };
  let url = given;
  let startedHere = false;
  if (!url) {
    const status = await run('bash', [script, 'status'], { env }).then(
      () => 'running',
      () => 'not running',
    );
    if (status !== 'running') {
      log(`starting Elasticsearch on port ${port} (heap ${heap})`);
      await run('bash', [script, 'start'], { env, timeout: 300_000 });
      startedHere = true;
    }
    url = `http://127.0.0.1:${port}`;
  }
  assertLoopback(url);
  const client = new Client({ node: url });
  const nodes = await client.nodes.info({ metric: ['jvm'] });
  const node = Object.values(nodes.nodes)[0];
  await client.close();
  return {
    url,
    startedHere,
    version: node?.version ?? '?',
    heap: node?.jvm?.mem?.heap_max_in_bytes
      ? `${Math.round(Number(node.jvm.mem.heap_max_in_bytes) / 2 ** 20)} MiB`
      : heap,
    async stop() {
      if (!startedHere) return;
      log('stopping the Elasticsearch this run started');
      await run('bash', [script, 'stop'], { env, timeout: 120_000 });
    },
  };
}

/** A client for set-up work (bulk loads, merges): long timeouts, no retries hiding failures. */
export function adminClient(url: string): Client {
  return new Client({ node: assertLoopback(url), requestTimeout: 3_600_000, maxRetries: 0 });
}

/** Deletes every index whose name starts with `prefix` (named one by one, as ES requires). */
export async function deleteIndexes(client: Client, prefix: string): Promise<void> {
  const found = await client.indices.get({ index: `${prefix}*`, expand_wildcards: 'all' });
  const names = Object.keys(found);
  if (names.length > 0) await client.indices.delete({ index: names });
}

/** Merges an index to one segment (after refresh), so every method searches the same shape. */
export async function mergeToOneSegment(client: Client, index: string): Promise<number> {
  const started = performance.now();
  await client.indices.refresh({ index });
  await client.indices.forcemerge({ index, max_num_segments: 1, wait_for_completion: true });
  await client.indices.refresh({ index });
  return (performance.now() - started) / 1000;
}

export async function indexSizeBytes(client: Client, index: string): Promise<number> {
  const stats = await client.indices.stats({ index, metric: ['store'] });
  return Number(stats._all.primaries?.store?.size_in_bytes ?? 0);
}

/** Sends bulk bodies with `concurrency` requests in flight; throws on any item error. */
export async function bulkLoad(
  client: Client,
  batches: () => Iterable<unknown[]>,
  concurrency: number,
  refresh: boolean | 'wait_for' = false,
): Promise<void> {
  const iterator = batches()[Symbol.iterator]();
  const worker = async () => {
    for (;;) {
      const next = iterator.next();
      if (next.done) return;
      const response = await client.bulk({ operations: next.value, refresh });
      if (response.errors) {
        const bad = response.items.find((item) => Object.values(item)[0]?.error);
        throw new Error(`bulk item failed: ${JSON.stringify(bad)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
