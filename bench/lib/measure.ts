import type { BenchContext } from './context.js';
import { CLIENTS } from './context.js';
import { runLoad, type LoadResult } from './load-generator.js';
import { meanRecall } from './stats.js';

export interface PointResult extends LoadResult {
  recall: number;
  /** Queries answered with fewer hits than asked for (or than exist, when fewer exist). */
  shortAnswers: number;
}

/**
 * Recall and throughput of one method at one setting: `CLIENTS` concurrent clients cycle through
 * the queries for the preset's seconds (every query at least once, bounded in count and time);
 * the first answer to each query is scored against the exact top-k.
 */
export async function measureQueries(
  ctx: BenchContext,
  answer: (q: number) => Promise<string[]>,
  truths: readonly (readonly string[])[],
  options: { expectedHits?: (q: number) => number; seconds?: number } = {},
): Promise<PointResult> {
  const Q = truths.length;
  const answers: (string[] | undefined)[] = new Array(Q);
  let measuring = false;
  const task = async (i: number) => {
    const q = i % Q;
    const ids = await answer(q);
    if (measuring && answers[q] === undefined) answers[q] = ids;
  };
  const warm = ctx.size.warmupRequests;
  if (warm > 0) {
    await runLoad(task, { concurrency: CLIENTS, maxRequests: warm, maxSeconds: ctx.size.seconds });
  }
  measuring = true;
  const load = await runLoad(task, {
    concurrency: CLIENTS,
    maxRequests: ctx.size.maxRequests,
    maxSeconds: options.seconds ?? ctx.size.seconds,
    minRequests: Q,
  });
  let shortAnswers = 0;
  answers.forEach((ids, q) => {
    const expected = options.expectedHits?.(q) ?? truths[q]!.length;
    if (!ids || ids.length < expected) shortAnswers++;
  });
  return { ...load, recall: meanRecall(answers, truths), shortAnswers };
}
