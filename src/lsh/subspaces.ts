/**
 * Contiguous split of `dim` coordinates into `subspaces` slices. Slice g covers
 * [bounds[g], bounds[g + 1]). When `dim % subspaces != 0` the first `dim % subspaces` slices are
 * one coordinate wider than the rest, so sizes differ by at most one.
 */
export function subspaceBounds(dim: number, subspaces: number): Int32Array {
  if (!Number.isInteger(dim) || dim < 1) {
    throw new RangeError(`dim must be a positive integer, got ${dim}`);
  }
  if (!Number.isInteger(subspaces) || subspaces < 1 || subspaces > dim) {
    throw new RangeError(
      `subspaces must be an integer between 1 and dim (${dim}), got ${subspaces}`,
    );
  }
  const bounds = new Int32Array(subspaces + 1);
  const base = Math.floor(dim / subspaces);
  const extra = dim % subspaces;
  for (let g = 0; g < subspaces; g++) {
    bounds[g + 1] = bounds[g]! + base + (g < extra ? 1 : 0);
  }
  return bounds;
}
