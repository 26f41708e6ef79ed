import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import { adminClient, ensureElasticsearch, type ElasticsearchNode } from './elasticsearch-node.js';
import { elasticsearchPid } from './process-cpu.js';

/** What a load bench starts from: its node, an admin client and the facts its report states. */
export interface BenchNode {
  node: ElasticsearchNode;
  es: Client;
  /** The node's JVM, for the report (vendor, version). */
  jvm: { vm_name?: string; version?: string; vm_vendor?: string } | undefined;
  /** Elasticsearch's process id, whose CPU the bench reads from /proc. */
  esPid: number;
  /** `.cache/bench` of the repository, created. */
  cacheDir: string;
  started: Date;
  /** The machine's 1-minute load average when the bench started. */
  loadBefore: number;
}

/** The Elasticsearch node of a load bench (ELASTICSEARCH_URL, or a private one) and its facts. */
export async function startBenchNode(repoDir: string): Promise<BenchNode> {
  const node = await ensureElasticsearch(repoDir);
  const es = adminClient(node.url);
  const info = await es.nodes.info({ metric: ['jvm', 'os'] });
  const jvm = Object.values(info.nodes)[0]?.jvm;
  const esPid = await elasticsearchPid(node.url);
  const cacheDir = join(repoDir, '.cache/bench');
  mkdirSync(cacheDir, { recursive: true });
  return { node, es, jvm, esPid, cacheDir, started: new Date(), loadBefore: loadavg()[0]! };
}
