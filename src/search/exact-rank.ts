import { cosineSimilarity, isZeroNorm } from '../lsh/vector-math.js';
import type { Candidate } from './backend.js';
import type { Modality } from '../domain/modalities.js';
import type { ExactRanking, RankQuery } from './query-plan.js';
import { heldScore, lackingScore, meanCosineOf, normalizedWeights } from './scoring.js';

/** Weighted mean cosine similarity of one candidate's vectors; a missing modality scores 0. */
export function exactScore(
  vectors: Partial<Record<Modality, readonly number[]>>,
  queries: readonly RankQuery[],
): number {
  const weights = normalizedWeights(queries);
  let score = 0;
  queries.forEach((q, i) => {
    const v = vectors[q.modality];
    if (v && v.length === q.vector.length) score += weights[i]! * cosineSimilarity(q.vector, v);
  });
  return score;
}

/**
 * Ranks candidates carrying their vectors exactly, as Elasticsearch's query does (see
 * `rankedQuery` in elasticsearch/query-compiler.ts), and keeps the best `ranking.size`:
 * per modality, the `perModality` candidates of highest cosine score w·(1 + cos)/2, the others
 * holding that vector nothing; with several modalities (or a zero query vector), a candidate
 * without the vector scores w/2 there (cosine 0). With one modality the result is the exact
 * top `size` of every candidate; with several, it is exact for every candidate among the best
 * `perModality` of each modality, and a candidate among none of them is dropped (the `knn`
 * clauses admit the hits) unless every query vector is zero. Ties keep the given (token-match)
 * order; vectors are dropped.
 */
export function rankExactly(
  candidates: readonly Candidate[],
  ranking: ExactRanking,
  perModality: number,
): Candidate[] {
  const weights = normalizedWeights(ranking.queries);
  const scores = new Map<Candidate, number>();
  // Several modalities: only candidates some `knn` clause keeps are hits (see `rankedQuery`).
  const gated = ranking.queries.length > 1 && ranking.queries.some((q) => !isZeroNorm(q.vector));
  const kept = new Set<Candidate>();
  ranking.queries.forEach((q, i) => {
    const w = weights[i]!;
    const add = (c: Candidate, score: number) => scores.set(c, (scores.get(c) ?? 0) + score);
    if (isZeroNorm(q.vector)) {
      for (const c of candidates) add(c, lackingScore(w));
      return;
    }
    const holding: { c: Candidate; cos: number }[] = [];
    for (const c of candidates) {
      const v = c.vectors[q.modality];
      if (v && v.length === q.vector.length && !isZeroNorm(v)) {
        holding.push({ c, cos: cosineSimilarity(q.vector, v) });
      } else if (ranking.queries.length > 1) {
        add(c, lackingScore(w));
      }
    }
    // Stable: equal cosines keep the token-match order.
    holding.sort((a, b) => b.cos - a.cos);
    for (const { c, cos } of holding.slice(0, perModality)) {
      add(c, heldScore(w, cos));
      kept.add(c);
    }
  });
  const scored = candidates.flatMap((candidate) => {
    const score = scores.get(candidate);
    return score === undefined || (gated && !kept.has(candidate))
      ? []
      : [{ ...candidate, vectors: {}, exactScore: meanCosineOf(score) }];
  });
  return mergeRanked([scored], ranking.size);
}

/**
 * Merges lists already ranked by `exactScore` and keeps the best `size`. The sort is stable, so
 * equal scores keep their given order (earlier lists first, token-match order within one).
 */
export function mergeRanked(lists: readonly Candidate[][], size: number): Candidate[] {
  return lists
    .flat()
    .sort((a, b) => (b.exactScore ?? 0) - (a.exactScore ?? 0))
    .slice(0, size);
}
