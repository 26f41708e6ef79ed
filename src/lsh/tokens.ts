/**
 * An LSH token names one cell of the model: the nearest centroid `cluster` of subspace
 * `subspace`, written `"<subspace>-<cluster>"` in decimal (e.g. "3-14"). Tokens are what the
 * search backends index and match, so this is the one place that spells the format.
 */
export interface TokenCell {
  subspace: number;
  cluster: number;
}

/** The token of a cell; both numbers are non-negative integers (codes of a model). */
export function formatToken(subspace: number, cluster: number): string {
  return `${subspace}-${cluster}`;
}

/** Exactly the strings formatToken writes: canonical decimals, no sign, no leading zeros. */
const TOKEN = /^(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$/;

/** The cell a token names, or null when the string is not a token formatToken could write. */
export function parseToken(token: string): TokenCell | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const subspace = Number(m[1]);
  const cluster = Number(m[2]);
  if (!Number.isSafeInteger(subspace) || !Number.isSafeInteger(cluster)) return null;
  return { subspace, cluster };
}
