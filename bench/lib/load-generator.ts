import { performance } from 'node:perf_hooks';
import { mean, percentile } from './stats.js';

/**
 * A bounded closed-loop load generator: `concurrency` clients, each sending its next request as
 * soon as its previous one is answered. It stops at `maxRequests` or after `maxSeconds`, whichever
 * comes first, but not before `minRequests` (unless `hardMaxSeconds` runs out): every run is
 * bounded in count and in time.
 */
export interface LoadOptions {
  concurrency: number;
  maxRequests: number;
  maxSeconds: number;
  /** Requests that must be made even past maxSeconds (e.g. one per query, for recall). */
  minRequests?: number;
  /** Absolute time limit, also over minRequests (default 4 × maxSeconds + 30 s). */
  hardMaxSeconds?: number;
  /** Unmeasured requests sent first, with the same concurrency (default 0). */
  warmupRequests?: number;
  /** Give up after this many failed requests (default 20). */
  maxErrors?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  qps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  firstError?: string;
}

/** `task(i)` sends request number i (0, 1, 2, …) and resolves when its answer is read. */
export type LoadTask = (i: number) => Promise<void>;

async function drive(
  task: LoadTask,
  o: Required<Omit<LoadOptions, 'warmupRequests'>>,
  latencies: number[] | null,
): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const maxMs = o.maxSeconds * 1000;
  const hardMs = o.hardMaxSeconds * 1000;
  const worker = async () => {
    for (;;) {
      const elapsed = performance.now() - started;
      if (next >= o.maxRequests || elapsed > hardMs) return;
      if (elapsed > maxMs && next >= o.minRequests) return;
      if (errors > o.maxErrors) return;
      const i = next++;
      const t0 = performance.now();
      try {
        await task(i);
        latencies?.push(performance.now() - t0);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const done = latencies?.length ?? next - errors;
  if (errors > o.maxErrors) {
    throw new Error(`load run aborted after ${errors} failed requests; first: ${firstError}`);
  }
  return {
    requests: done,
    errors,
    seconds,
    qps: done / seconds,
    p50Ms: latencies ? percentile(latencies, 50) : NaN,
    p99Ms: latencies ? percentile(latencies, 99) : NaN,
    meanMs: latencies ? mean(latencies) : NaN,
    ...(firstError ? { firstError } : {}),
  };
}

export async function runLoad(task: LoadTask, options: LoadOptions): Promise<LoadResult> {
  const o = {
    minRequests: 0,
    hardMaxSeconds: options.maxSeconds * 4 + 30,
    maxErrors: 20,
    ...options,
  };
  if (o.warmupRequests && o.warmupRequests > 0) {
    // Warm-up requests use indexes past the measured ones' start so caches see real queries.
    await drive((i) => task(i), { ...o, maxRequests: o.warmupRequests, minRequests: 0 }, null);
  }
  const { warmupRequests: _w, ...rest } = o;
  return drive(task, rest, []);
}
