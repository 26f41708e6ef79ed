import type { Client } from '@elastic/elasticsearch';
import type { Table } from './format.js';
import type { LshParams } from './lsh-admin.js';

export type SizeName = 'tiny' | 'quick' | 'full';

/** How big and how long: every loop of a run is bounded by these. */
export interface SizePreset {
  name: SizeName;
  corpus: number;
  queries: number;
  /** Corpus sizes of the growth benchmark. */
  growth: number[];
  /** Measured seconds per point (plus one request per query at least, for recall). */
  seconds: number;
  /** Request cap per point. */
  maxRequests: number;
  warmupRequests: number;
  /** Seconds the per-vector Python loop may run (and the vectorised hashing repeat). */
  hashSeconds: number;
  /** Items per ingest request / bulk request. */
  ingestBatch: number;
}

export const SIZES: Record<SizeName, SizePreset> = {
  tiny: {
    name: 'tiny',
    corpus: 2_000,
    queries: 50,
    growth: [500, 1_000, 2_000],
    seconds: 1.5,
    maxRequests: 2_000,
    warmupRequests: 20,
    hashSeconds: 1,
    ingestBatch: 250,
  },
  quick: {
    name: 'quick',
    corpus: 10_000,
    queries: 200,
    growth: [2_500, 5_000, 10_000],
    seconds: 5,
    maxRequests: 20_000,
    warmupRequests: 50,
    hashSeconds: 5,
    ingestBatch: 250,
  },
  full: {
    name: 'full',
    corpus: 100_000,
    queries: 500,
    growth: [10_000, 30_000, 100_000],
    seconds: 10,
    maxRequests: 50_000,
    warmupRequests: 100,
    hashSeconds: 10,
    ingestBatch: 250,
  },
};

/** Concurrent clients of every throughput figure. */
export const CLIENTS = 8;
/** Recall@K. */
export const K = 10;

/** The parameters the benchmarks treat as the product defaults (see docs/benchmarks.md). */
export const CHOSEN: LshParams = { subspaces: 16, clusters: 256, rotate: true };
export const CHOSEN_RERANK_DEPTH = 10_000;
/** The recipe: 32 subspaces × 16 clusters, no rotation, more_like_this only. */
export const RECIPE: LshParams = { subspaces: 32, clusters: 16, rotate: false };

/** One point of the recall-vs-throughput plot. */
export interface PlotPoint {
  series: string;
  label: string;
  recall: number;
  qps: number;
}

export interface TargetVerdict {
  target: string;
  measured: string;
  met: boolean | null;
  why?: string;
}

export interface Section {
  heading: string;
  intro?: string;
  tables: Table[];
}

export interface BenchContext {
  repoDir: string;
  cacheDir: string;
  esUrl: string;
  es: Client;
  size: SizePreset;
  /** Index names of this run start with it. */
  prefix: string;
  sections: Section[];
  plot: PlotPoint[];
  targets: TargetVerdict[];
  /** Figures later benchmarks and the summary refer to. */
  facts: Record<string, number>;
}

export function section(ctx: BenchContext, heading: string, intro?: string): Section {
  const s: Section = { heading, tables: [], ...(intro ? { intro } : {}) };
  ctx.sections.push(s);
  return s;
}
