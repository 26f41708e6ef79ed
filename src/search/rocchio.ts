import { unitVector } from '../lsh/vector-math.js';

/*
 * Rocchio's relevance feedback, for "like these, unlike those": the query vector is
 * mean(like) − mean(unlike), each vector first scaled to unit length (cosine space), with the
 * weights α = β = 1. Items near the liked ones score high, items near the unliked ones low.
 */

function mean(vectors: readonly (readonly number[])[], dim: number): number[] {
  const sum = new Array<number>(dim).fill(0);
  for (const vector of vectors) {
    const unit = unitVector(vector);
    for (let d = 0; d < dim; d++) sum[d]! += unit[d] ?? 0;
  }
  return vectors.length > 0 ? sum.map((x) => x / vectors.length) : sum;
}

/** mean(unit like) − mean(unit unlike); all the vectors have one length, `like` is not empty. */
export function rocchioVector(
  like: readonly (readonly number[])[],
  unlike: readonly (readonly number[])[],
): number[] {
  const dim = like[0]?.length ?? 0;
  const positive = mean(like, dim);
  const negative = mean(unlike, dim);
  return positive.map((x, d) => x - negative[d]!);
}
