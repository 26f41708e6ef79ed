/** Percentiles and recall. */

/** The p-th percentile (0..100) by nearest rank on a copy of the values; NaN when empty. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1));
  return sorted[rank]!;
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return values.length ? s / values.length : NaN;
}

/** |found ∩ truth| / |truth|; `found` is cut to truth.length first. */
export function recallAt(found: readonly string[], truth: readonly string[]): number {
  if (truth.length === 0) return 1;
  const want = new Set(truth);
  let hit = 0;
  for (const id of found.slice(0, truth.length)) if (want.has(id)) hit++;
  return hit / truth.length;
}

/** Mean recall over queries; queries without an answer count as 0. */
export function meanRecall(
  answers: readonly (readonly string[] | undefined)[],
  truths: readonly (readonly string[])[],
): number {
  let sum = 0;
  truths.forEach((truth, q) => {
    const found = answers[q];
    sum += found ? recallAt(found, truth) : 0;
  });
  return truths.length ? sum / truths.length : NaN;
}
