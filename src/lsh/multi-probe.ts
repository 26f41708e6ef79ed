import { formatToken } from './tokens.js';

/**
 * Multi-probe: besides the nearest centroid of each subspace, a query also probes the next
 * nearest ones, so that neighbours just across a cell boundary still share a token.
 */

/**
 * Writes to `ranked` the indices of the ranked.length centroids nearest to v = x[xo .. xo+width)
 * among the K × width row-major centroids at x[cb ..] (K = norms.length ≥ ranked.length), closest
 * first; equal scores keep the lower index first. `dist` is scratch of at least ranked.length.
 */
export function rankNearestCentroids(
  x: Float64Array,
  xo: number,
  cb: number,
  norms: Float64Array,
  width: number,
  ranked: Int32Array,
  dist: Float64Array,
): void {
  const K = norms.length;
  const P = ranked.length;
  let filled = 0;
  for (let c = 0, b = cb; c < K; c++, b += width) {
    // The same score, computed the same way, as the nearest-centroid kernels.
    let dot = 0;
    for (let j = 0; j < width; j++) dot += x[xo + j]! * x[b + j]!;
    const d = norms[c]! - 2 * dot;
    if (filled === P && !(d < dist[P - 1]!)) continue;
    // Insertion into the sorted top-P list; equal scores keep the lower index first.
    let pos = filled < P ? filled++ : P - 1;
    while (pos > 0 && d < dist[pos - 1]!) {
      dist[pos] = dist[pos - 1]!;
      ranked[pos] = ranked[pos - 1]!;
      pos--;
    }
    dist[pos] = d;
    ranked[pos] = c;
  }
}

/**
 * The probe tokens from `ranked` (ranked[g * probes + r]: the r-th nearest cluster of subspace
 * g): first the nearest cluster of every subspace (exactly the tokens of plain hashing), then,
 * subspace by subspace, the other `probes - 1` (closest first).
 */
export function probeTokenOrder(ranked: Int32Array, subspaces: number, probes: number): string[] {
  const tokens: string[] = [];
  for (let g = 0; g < subspaces; g++) tokens.push(formatToken(g, ranked[g * probes]!));
  for (let g = 0; g < subspaces; g++) {
    for (let r = 1; r < probes; r++) tokens.push(formatToken(g, ranked[g * probes + r]!));
  }
  return tokens;
}
