/**
 * Nearest-centroid kernels: the inner loops of hashing (the ingest and query hot path).
 *
 * The centroids of one subspace are K rows of `width` float64 values, row-major, in a Float64Array
 * shared with the vectors to hash. The nearest centroid to v is argmin_c (‖c‖² − 2·v·c): it
 * differs from ‖v − c‖² by the constant ‖v‖² only, and with ‖c‖² precomputed (centroidSquaredNorms)
 * costs one multiply-add per coordinate. Ties go to the lowest index.
 *
 * Every score is the same float64 computation in the same order (dot product summed over j
 * ascending, then norms[c] − 2·dot) in every kernel, so all of them pick identical codes.
 */

/** Vectors nearestCentroid4 scores at once. */
export const KERNEL_BLOCK = 4;

/**
 * ‖c‖² of each of the `clusters` centroids (row-major, `width` values each) in `centroids`,
 * summed in coordinate order in float64.
 */
export function centroidSquaredNorms(
  centroids: ArrayLike<number>,
  clusters: number,
  width: number,
): Float64Array {
  const n = new Float64Array(clusters);
  for (let c = 0; c < clusters; c++) {
    let s = 0;
    for (let j = c * width; j < (c + 1) * width; j++) s += centroids[j]! * centroids[j]!;
    n[c] = s;
  }
  return n;
}

/**
 * Index of the centroid c (the K × width row-major centroids at x[cb ..], K = norms.length)
 * minimising norms[c] − 2·v·c for v = x[xo .. xo+width); ties go to the lowest index. Eight
 * centroids share each load of v.
 */
export function nearestCentroid(
  x: Float64Array,
  xo: number,
  cb: number,
  norms: Float64Array,
  width: number,
): number {
  const K = norms.length;
  let best = 0;
  let bestD = Infinity;
  let c = 0;
  for (; c + 7 < K; c += 8) {
    const b0 = cb + c * width;
    const b1 = cb + (c + 1) * width;
    const b2 = cb + (c + 2) * width;
    const b3 = cb + (c + 3) * width;
    const b4 = cb + (c + 4) * width;
    const b5 = cb + (c + 5) * width;
    const b6 = cb + (c + 6) * width;
    const b7 = cb + (c + 7) * width;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let d4 = 0;
    let d5 = 0;
    let d6 = 0;
    let d7 = 0;
    for (let j = 0; j < width; j++) {
      const v = x[xo + j]!;
      d0 += v * x[b0 + j]!;
      d1 += v * x[b1 + j]!;
      d2 += v * x[b2 + j]!;
      d3 += v * x[b3 + j]!;
      d4 += v * x[b4 + j]!;
      d5 += v * x[b5 + j]!;
      d6 += v * x[b6 + j]!;
      d7 += v * x[b7 + j]!;
    }
    // In centroid order, so that ties keep the lowest index.
    const t0 = norms[c]! - 2 * d0;
    if (t0 < bestD) {
      bestD = t0;
      best = c;
    }
    const t1 = norms[c + 1]! - 2 * d1;
    if (t1 < bestD) {
      bestD = t1;
      best = c + 1;
    }
    const t2 = norms[c + 2]! - 2 * d2;
    if (t2 < bestD) {
      bestD = t2;
      best = c + 2;
    }
    const t3 = norms[c + 3]! - 2 * d3;
    if (t3 < bestD) {
      bestD = t3;
      best = c + 3;
    }
    const t4 = norms[c + 4]! - 2 * d4;
    if (t4 < bestD) {
      bestD = t4;
      best = c + 4;
    }
    const t5 = norms[c + 5]! - 2 * d5;
    if (t5 < bestD) {
      bestD = t5;
      best = c + 5;
    }
    const t6 = norms[c + 6]! - 2 * d6;
    if (t6 < bestD) {
      bestD = t6;
      best = c + 6;
    }
    const t7 = norms[c + 7]! - 2 * d7;
    if (t7 < bestD) {
      bestD = t7;
      best = c + 7;
    }
  }
  for (; c < K; c++) {
    const b = cb + c * width;
    let d = 0;
    for (let j = 0; j < width; j++) d += x[xo + j]! * x[b + j]!;
    d = norms[c]! - 2 * d;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/**
 * nearestCentroid for four vectors at once: v_a = x[xo + a·stride ..] for a = 0..3, scored
 * against four centroids at a time (register blocking: 8 loads per 16 multiply-adds, against 9
 * per 8 in nearestCentroid). Writes the code of vector a to codes[co + a·cstride]. Per vector,
 * every score is the same float64 computation as in nearestCentroid, so the codes are identical.
 */
export function nearestCentroid4(
  x: Float64Array,
  xo: number,
  stride: number,
  cb: number,
  norms: Float64Array,
  width: number,
  codes: Int32Array,
  co: number,
  cstride: number,
): void {
  const K = norms.length;
  const s0 = xo;
  let best0 = 0;
  let e0 = Infinity;
  const s1 = xo + stride;
  let best1 = 0;
  let e1 = Infinity;
  const s2 = xo + 2 * stride;
  let best2 = 0;
  let e2 = Infinity;
  const s3 = xo + 3 * stride;
  let best3 = 0;
  let e3 = Infinity;
  let c = 0;
  for (; c + 3 < K; c += 4) {
    const p0 = cb + c * width;
    const p1 = cb + (c + 1) * width;
    const p2 = cb + (c + 2) * width;
    const p3 = cb + (c + 3) * width;
    let d00 = 0;
    let d01 = 0;
    let d02 = 0;
    let d03 = 0;
    let d10 = 0;
    let d11 = 0;
    let d12 = 0;
    let d13 = 0;
    let d20 = 0;
    let d21 = 0;
    let d22 = 0;
    let d23 = 0;
    let d30 = 0;
    let d31 = 0;
    let d32 = 0;
    let d33 = 0;
    for (let j = 0; j < width; j++) {
      const x0 = x[s0 + j]!;
      const x1 = x[s1 + j]!;
      const x2 = x[s2 + j]!;
      const x3 = x[s3 + j]!;
      const c0 = x[p0 + j]!;
      const c1 = x[p1 + j]!;
      const c2 = x[p2 + j]!;
      const c3 = x[p3 + j]!;
      d00 += x0 * c0;
      d10 += x1 * c0;
      d20 += x2 * c0;
      d30 += x3 * c0;
      d01 += x0 * c1;
      d11 += x1 * c1;
      d21 += x2 * c1;
      d31 += x3 * c1;
      d02 += x0 * c2;
      d12 += x1 * c2;
      d22 += x2 * c2;
      d32 += x3 * c2;
      d03 += x0 * c3;
      d13 += x1 * c3;
      d23 += x2 * c3;
      d33 += x3 * c3;
    }
    // In centroid order, so that ties keep the lowest index.
    const n0 = norms[c]!;
    const n1 = norms[c + 1]!;
    const n2 = norms[c + 2]!;
    const n3 = norms[c + 3]!;
    const t00 = n0 - 2 * d00;
    if (t00 < e0) {
      e0 = t00;
      best0 = c;
    }
    const t10 = n0 - 2 * d10;
    if (t10 < e1) {
      e1 = t10;
      best1 = c;
    }
    const t20 = n0 - 2 * d20;
    if (t20 < e2) {
      e2 = t20;
      best2 = c;
    }
    const t30 = n0 - 2 * d30;
    if (t30 < e3) {
      e3 = t30;
      best3 = c;
    }
    const t01 = n1 - 2 * d01;
    if (t01 < e0) {
      e0 = t01;
      best0 = c + 1;
    }
    const t11 = n1 - 2 * d11;
    if (t11 < e1) {
      e1 = t11;
      best1 = c + 1;
    }
    const t21 = n1 - 2 * d21;
    if (t21 < e2) {
      e2 = t21;
      best2 = c + 1;
    }
    const t31 = n1 - 2 * d31;
    if (t31 < e3) {
      e3 = t31;
      best3 = c + 1;
    }
    const t02 = n2 - 2 * d02;
    if (t02 < e0) {
      e0 = t02;
      best0 = c + 2;
    }
    const t12 = n2 - 2 * d12;
    if (t12 < e1) {
      e1 = t12;
      best1 = c + 2;
    }
    const t22 = n2 - 2 * d22;
    if (t22 < e2) {
      e2 = t22;
      best2 = c + 2;
    }
    const t32 = n2 - 2 * d32;
    if (t32 < e3) {
      e3 = t32;
      best3 = c + 2;
    }
    const t03 = n3 - 2 * d03;
    if (t03 < e0) {
      e0 = t03;
      best0 = c + 3;
    }
    const t13 = n3 - 2 * d13;
    if (t13 < e1) {
      e1 = t13;
      best1 = c + 3;
    }
    const t23 = n3 - 2 * d23;
    if (t23 < e2) {
      e2 = t23;
      best2 = c + 3;
    }
    const t33 = n3 - 2 * d33;
    if (t33 < e3) {
      e3 = t33;
      best3 = c + 3;
    }
  }
  for (; c < K; c++) {
    const p = cb + c * width;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let j = 0; j < width; j++) {
      const cv = x[p + j]!;
      d0 += x[s0 + j]! * cv;
      d1 += x[s1 + j]! * cv;
      d2 += x[s2 + j]! * cv;
      d3 += x[s3 + j]! * cv;
    }
    const n = norms[c]!;
    if (n - 2 * d0 < e0) {
      e0 = n - 2 * d0;
      best0 = c;
    }
    if (n - 2 * d1 < e1) {
      e1 = n - 2 * d1;
      best1 = c;
    }
    if (n - 2 * d2 < e2) {
      e2 = n - 2 * d2;
      best2 = c;
    }
    if (n - 2 * d3 < e3) {
      e3 = n - 2 * d3;
      best3 = c;
    }
  }
  codes[co] = best0;
  codes[co + cstride] = best1;
  codes[co + 2 * cstride] = best2;
  codes[co + 3 * cstride] = best3;
}
