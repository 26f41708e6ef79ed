import type { RankQuery } from './query-plan.js';

/*
 * The exact ranking's score, written once for both backends. Each query modality m has a weight
 * w (normalised so the weights sum to 1). A candidate holding m's vector earns w·(1 + cos)/2
 * from it (Elasticsearch's cosine score, in [0, w]); one lacking it earns w/2, the share of a
 * cosine of 0. The sum s is (1 + weighted mean cosine)/2, so the mean cosine is 2s − 1.
 */

/** Each query's weight divided by their sum, so scores are weighted means (all 0 → equal). */
export function normalizedWeights(queries: readonly Pick<RankQuery, 'weight'>[]): number[] {
  const total = queries.reduce((sum, q) => sum + q.weight, 0);
  return queries.map((q) => (total > 0 ? q.weight / total : 1 / queries.length));
}

/** What a candidate holding the modality's vector earns: w·(1 + cos)/2. */
export function heldScore(weight: number, cosine: number): number {
  return (weight * (1 + cosine)) / 2;
}

/** What a candidate lacking the modality's vector (or a zero query vector) earns: w/2. */
export function lackingScore(weight: number): number {
  return weight / 2;
}

/** The weighted mean cosine from a summed score (a missing score counts as cosine 0). */
export function meanCosineOf(score: number | null | undefined): number {
  return 2 * (score ?? 0.5) - 1;
}
