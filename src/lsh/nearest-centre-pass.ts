import { type SimdScan, simdDots, simdScan } from './simd-dots.js';

/*
 * The nearest-centre pass behind each k-means iteration: ml-kmeans asks for row × centre
 * distances one at a time; this answers them from one pass per iteration that computes only the
 * distances the bounds cannot rule out (Elkan's algorithm, or a grouped variant of it for large
 * samples), each one exactly as ml-kmeans would.
 */

/**
 * ‖a − b‖² exactly as ml-kmeans's default distance computes it (ml-distance-euclidean's
 * squaredEuclidean: Σ (a_j − b_j)² summed in coordinate order, in float64), so that comparisons
 * of these values pick the same centre as plain ml-kmeans, ties included.
 */
export function squaredEuclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]! - b[j]!;
    d += t * t;
  }
  return d;
}

/** squaredEuclidean between the `width` values of `a` at `ao` and of `b` at `bo`. */
export function squaredEuclideanAt(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  width: number,
): number {
  let d = 0;
  for (let j = 0; j < width; j++) {
    const t = a[ao + j]! - b[bo + j]!;
    d += t * t;
  }
  return d;
}

/**
 * The distance function given to ml-kmeans, for the rows `rows` (views of `flat`, row i at
 * i·width) and K centres. Each Lloyd step of ml-kmeans (updateClusterID → nearestVector) asks,
 * row by row in order, the distance from the row to every centre in order, and keeps the first
 * minimum. The first row's questions are answered exactly, and they show this iteration's
 * centres: they are copied after the rows in `flat`, and every row's nearest centre is then found
 * at once (see NearestCentres). The other rows' questions are answered from that, 0 for the
 * nearest centre and 1 for the others, so ml-kmeans picks exactly that centre; recognising them
 * costs two identity comparisons. Any other question (its convergence check compares centres)
 * gets the exact distance. A question out of that order while rows are being answered throws
 * rather than mixing exact and 0/1 answers for one row.
 */
export function batchedAssignment(
  rows: readonly Float64Array[],
  flat: Float64Array,
  width: number,
  K: number,
): (a: number[], b: number[]) => number {
  const count = rows.length;
  const nearest = new NearestCentres(flat, count, width, K);
  const codes = nearest.codes;
  const centres: unknown[] = new Array<unknown>(K).fill(null);
  const first: unknown = rows[0];
  const cb = count * width;
  /** The row whose questions are answered from codes (null: none), its index and code. */
  let expected: unknown = null;
  let row = 0;
  let code = -1;
  /** The centre the next question should be about. */
  let j = 0;

  const exact = (a: number[], b: number[]): number => {
    const x = a as unknown;
    if (expected !== null) {
      throw new Error(
        `k-means asked for a distance out of order (row ${row}, centre ${j} expected)`,
      );
    }
    if (x !== first) return squaredEuclidean(a, b);
    // Row 0 of a new iteration: its questions name this iteration's centres, in order.
    centres[j] = b;
    flat.set(b, cb + j * width);
    const d = squaredEuclidean(a, b);
    if (++j === K) {
      j = 0;
      nearest.update();
      if (count > 1) {
        row = 1;
        expected = rows[1];
        code = codes[1]!;
      }
    }
    return d;
  };

  return (a, b) => {
    if ((a as unknown) === expected && (b as unknown) === centres[j]) {
      const d = j === code ? 0 : 1;
      if (++j === K) {
        j = 0;
        if (++row < count) {
          expected = rows[row];
          code = codes[row]!;
        } else {
          expected = null;
        }
      }
      return d;
    }
    return exact(a, b);
  };
}

/** Lower bounds kept per row: at most this many values (32 MB) in all, unless set otherwise. */
export const MAX_LOWER_BOUNDS = 1 << 22;
/** Centre × centre distances are kept (K² values) up to this many centres. */
const MAX_CENTRE_MATRIX = 1024;
/** Slack on every bound comparison, relative to the largest row norm (see NearestCentres). */
const RELATIVE_SLACK = 1e-9;

/**
 * Every row's nearest centre, iteration after iteration, by Elkan's algorithm (C. Elkan, "Using
 * the triangle inequality to accelerate k-means", ICML 2003): per row an upper bound on the
 * distance to its centre and a lower bound on the distance to every other centre. When the
 * centres move, each bound moves by at most as much as its own centre, and a centre whose lower
 * bound is above the row's upper bound (or that is more than twice as far from the row's centre
 * as the row) cannot be nearer: only the remaining distances are computed. When count × K lower
 * bounds would not fit in maxLowerBounds, consecutive centres share one lower bound (the least
 * over the group; a group that cannot be ruled out is scored whole).
 *
 * Bounds are stored shifted by how far their centres have moved since the first iteration
 * (lower + drift, upper − drift), so that a move costs nothing per row: only rows that are looked
 * at read their bounds.
 *
 * Exact: every distance computed is squaredEuclidean's, and the nearest is the first minimum of
 * those in centre order, as in ml-kmeans. A centre is only skipped when its bound shows it
 * farther by more than a slack (RELATIVE_SLACK × the largest row norm, far above the rounding
 * error of the bounds), so a skipped centre is never a minimum or a tie of the computed distances.
 */
export class NearestCentres {
  readonly codes: Int32Array;
  /** Distance computations of the last update (for tests and profiling). */
  computed = 0;
  /** Per row: the upper bound on the distance to its centre, minus that centre's drift. */
  private readonly upper: Float64Array;
  /** Per row and group: the lower bound on the distance to its centres, plus the group's drift. */
  private readonly lower: Float64Array;
  readonly groupSize: number;
  private readonly groups: number;
  private readonly previous: Float64Array;
  /** How far each centre, and at most each group's centres, moved in all since the start. */
  private readonly drift: Float64Array;
  private readonly groupDrift: Float64Array;
  private readonly moved: Float64Array;
  /** Half the distance from each centre to its nearest other centre. */
  private readonly half: Float64Array;
  /** Half the distance between every two centres (K ≤ MAX_CENTRE_MATRIX), else null. */
  private readonly halfPairs: Float64Array | null;
  private readonly slack: number;
  /** lower and groupDrift in WebAssembly memory, with its scan (null: plain arrays). */
  private readonly scan: SimdScan | null;
  /** ‖x‖² of each row. */
  private readonly rowNorms: Float64Array;
  private started = false;
  private iteration = 0;
  /** Per row: the centres to score, their squared distances. */
  private readonly candidates: Int32Array;
  private readonly distances: Float64Array;

  constructor(
    private readonly flat: Float64Array,
    private readonly count: number,
    private readonly width: number,
    private readonly K: number,
    maxLowerBounds = MAX_LOWER_BOUNDS,
    /** Whether the first assignment may use the WebAssembly SIMD kernel (simd-dots.ts). */
    private readonly simd = true,
  ) {
    this.codes = new Int32Array(count);
    this.upper = new Float64Array(count);
    const groupsFit = Math.max(1, Math.floor(maxLowerBounds / Math.max(1, count)));
    this.groupSize = Math.ceil(K / Math.min(K, groupsFit));
    this.groups = Math.ceil(K / this.groupSize);
    this.scan = simd ? simdScan(count * this.groups, this.groups) : null;
    this.lower = this.scan ? this.scan.lower : new Float64Array(count * this.groups);
    this.previous = new Float64Array(K * width);
    this.drift = new Float64Array(K);
    this.groupDrift = this.scan ? this.scan.drift : new Float64Array(this.groups);
    this.moved = new Float64Array(K);
    this.half = new Float64Array(K);
    this.halfPairs = K <= MAX_CENTRE_MATRIX ? new Float64Array(K * K) : null;
    this.candidates = new Int32Array(K);
    this.distances = new Float64Array(K);
    this.rowNorms = new Float64Array(count);
    let maxNorm = 0;
    for (let i = 0; i < count; i++) {
      let n = 0;
      for (let j = i * width; j < (i + 1) * width; j++) n += flat[j]! * flat[j]!;
      this.rowNorms[i] = n;
      if (n > maxNorm) maxNorm = n;
    }
    this.slack = RELATIVE_SLACK * Math.sqrt(maxNorm);
  }

  /** The centres after the rows in `flat` changed: re-assign the rows. */
  update(): void {
    const { flat, count, width, K, groups, groupSize, drift, groupDrift, moved } = this;
    const cb = count * width;
    const centres = flat.subarray(cb, cb + K * width);
    this.computed = 0;
    this.iteration++;
    if (!this.started) {
      this.started = true;
      this.centreGaps(centres);
      this.firstPass(cb);
      this.previous.set(centres);
      return;
    }
    {
      for (let c = 0; c < K; c++) {
        const m = Math.sqrt(
          squaredEuclideanAt(centres, c * width, this.previous, c * width, width),
        );
        moved[c] = m;
        drift[c] = drift[c]! + m;
      }
      for (let g = 0; g < groups; g++) {
        let m = 0;
        const end = Math.min(K, (g + 1) * groupSize);
        for (let c = g * groupSize; c < end; c++) if (moved[c]! > m) m = moved[c]!;
        groupDrift[g] = groupDrift[g]! + m;
      }
    }
    // The gaps between centres are measured again at iterations 1, 2, 4, 8, …; in between they
    // are lowered by how far their two centres moved (they are only used as lower bounds).
    const it = this.iteration;
    if (this.halfPairs && (it & (it - 1)) !== 0) this.lowerGaps();
    else this.centreGaps(centres);
    for (let i = 0; i < count; i++) this.assign(i, cb);
    this.previous.set(centres);
  }

  /**
   * The first assignment, with no bounds yet: every row scored against every centre by
   * ‖c‖² − 2·x·c (four rows and two centres per pass over the coordinates, two flops per value
   * instead of three). These scores are within `margin` of ‖x − c‖² − ‖x‖² as squaredEuclidean
   * computes it, so the centres within twice the margin of the least score are measured exactly
   * and the first minimum of those is the nearest; the others get lower bounds from their scores.
   */
  private firstPass(cb: number): void {
    const { flat, count, width, K, groups, groupSize, rowNorms, candidates, distances } = this;
    const { lower, upper, codes } = this;
    const norms = new Float64Array(K);
    let maxCentre = 0;
    for (let c = 0; c < K; c++) {
      let n = 0;
      for (let j = cb + c * width; j < cb + (c + 1) * width; j++) n += flat[j]! * flat[j]!;
      norms[c] = n;
      if (n > maxCentre) maxCentre = n;
    }
    maxCentre = Math.sqrt(maxCentre);
    // A rounding error bound of the scores and of squaredEuclidean, sixteen times over.
    const unit = (width + 8) * 2 ** -48;
    // With the float32 kernel, add twice a bound of its error on 2·x·c, (width + 3)·2⁻²³·‖x‖·‖c‖
    // (c rounded to float32, then width products and sums), and of underflow.
    const simd = this.simd ? simdDots(count, width, K) : null;
    const unit32 = simd ? 4 * (width + 3) * 2 ** -23 : 0;
    const tiny = simd ? width * 2 ** -120 : 0;
    if (simd) {
      simd.rows.set(flat.subarray(0, count * width));
      simd.setCentres(flat, cb);
    }
    const scores = new Float64Array(4 * K);
    const rows = new Int32Array(4);
    for (let i0 = 0; i0 < count; i0 += 4) {
      const r = Math.min(4, count - i0);
      if (simd) {
        simd.dots(i0);
        const out = simd.out;
        const stride = simd.panels * 4;
        for (let k = 0; k < r; k++) {
          for (let c = 0; c < K; c++) scores[k * K + c] = norms[c]! - 2 * out[k * stride + c]!;
        }
      } else {
        for (let k = 0; k < 4; k++) rows[k] = i0 + Math.min(k, r - 1);
        this.scoreFour(rows, cb, norms, scores);
      }
      for (let k = 0; k < r; k++) {
        const i = i0 + k;
        const xo = i * width;
        const s = scores.subarray(k * K, (k + 1) * K);
        const xn = rowNorms[i]!;
        const xl = Math.sqrt(xn);
        const margin = unit * (xl + maxCentre) ** 2 + unit32 * xl * maxCentre + tiny;
        let top = Infinity;
        for (let c = 0; c < K; c++) if (s[c]! < top) top = s[c]!;
        let n = 0;
        for (let c = 0; c < K; c++) if (s[c]! <= top + 2 * margin) candidates[n++] = c;
        this.distancesTo(xo, cb, n);
        let best = candidates[0]!;
        let bestD = distances[0]!;
        for (let m = 1; m < n; m++) {
          if (distances[m]! < bestD) {
            best = candidates[m]!;
            bestD = distances[m]!;
          }
        }
        codes[i] = best;
        upper[i] = Math.sqrt(bestD);
        const base = i * groups;
        for (let g = 0; g < groups; g++) {
          let l = Infinity;
          const end = Math.min(K, (g + 1) * groupSize);
          for (let c = g * groupSize; c < end; c++) {
            if (c !== best && s[c]! < l) l = s[c]!;
          }
          lower[base + g] = l === Infinity ? l : Math.sqrt(Math.max(0, xn + l - margin));
        }
      }
    }
    this.computed = count * K;
  }

  /** scores[k·K + c] = ‖c‖² − 2·x·c for the row rows[k] and every centre c. */
  private scoreFour(rows: Int32Array, cb: number, norms: Float64Array, scores: Float64Array): void {
    const { flat, width, K } = this;
    const x0 = rows[0]! * width;
    const x1 = rows[1]! * width;
    const x2 = rows[2]! * width;
    const x3 = rows[3]! * width;
    let c = 0;
    for (; c + 1 < K; c += 2) {
      const p = cb + c * width;
      const q = p + width;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < width; j++) {
        const u = flat[p + j]!;
        const v = flat[q + j]!;
        const y0 = flat[x0 + j]!;
        const y1 = flat[x1 + j]!;
        const y2 = flat[x2 + j]!;
        const y3 = flat[x3 + j]!;
        a0 += y0 * u;
        a1 += y1 * u;
        a2 += y2 * u;
        a3 += y3 * u;
        b0 += y0 * v;
        b1 += y1 * v;
        b2 += y2 * v;
        b3 += y3 * v;
      }
      const nc = norms[c]!;
      const nd = norms[c + 1]!;
      scores[c] = nc - 2 * a0;
      scores[K + c] = nc - 2 * a1;
      scores[2 * K + c] = nc - 2 * a2;
      scores[3 * K + c] = nc - 2 * a3;
      scores[c + 1] = nd - 2 * b0;
      scores[K + c + 1] = nd - 2 * b1;
      scores[2 * K + c + 1] = nd - 2 * b2;
      scores[3 * K + c + 1] = nd - 2 * b3;
    }
    for (; c < K; c++) {
      const p = cb + c * width;
      for (let k = 0; k < 4; k++) {
        const xo = rows[k]! * width;
        let d = 0;
        for (let j = 0; j < width; j++) d += flat[xo + j]! * flat[p + j]!;
        scores[k * K + c] = norms[c]! - 2 * d;
      }
    }
  }

  /** Whether centre c is the only member of its group. */
  private alone(c: number): boolean {
    return this.groupSize === 1 || (c === this.K - 1 && c % this.groupSize === 0);
  }

  /** half and halfPairs lowered by the last moves: d(a′, b′) ≥ d(a, b) − moved(a) − moved(b). */
  private lowerGaps(): void {
    const { K, half, moved } = this;
    const pairs = this.halfPairs!;
    half.fill(Infinity);
    for (let c = 0; c < K; c++) {
      const mc = moved[c]!;
      for (let d = c + 1; d < K; d++) {
        const h = pairs[c * K + d]! - (mc + moved[d]!) / 2;
        pairs[c * K + d] = h;
        pairs[d * K + c] = h;
        if (h < half[c]!) half[c] = h;
        if (h < half[d]!) half[d] = h;
      }
    }
  }

  /** half and halfPairs for the current centres, four pairs at a time. */
  private centreGaps(centres: Float64Array): void {
    const { K, width, half, halfPairs } = this;
    half.fill(Infinity);
    const note = (c: number, d: number, squared: number) => {
      const h = Math.sqrt(squared) / 2;
      if (h < half[c]!) half[c] = h;
      if (h < half[d]!) half[d] = h;
      if (halfPairs) {
        halfPairs[c * K + d] = h;
        halfPairs[d * K + c] = h;
      }
    };
    for (let c = 0; c < K; c++) {
      if (halfPairs) halfPairs[c * K + c] = 0;
      const p = c * width;
      let d = c + 1;
      for (; d + 4 <= K; d += 4) {
        const q0 = d * width;
        const q1 = q0 + width;
        const q2 = q1 + width;
        const q3 = q2 + width;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let j = 0; j < width; j++) {
          const x = centres[p + j]!;
          const t0 = x - centres[q0 + j]!;
          const t1 = x - centres[q1 + j]!;
          const t2 = x - centres[q2 + j]!;
          const t3 = x - centres[q3 + j]!;
          s0 += t0 * t0;
          s1 += t1 * t1;
          s2 += t2 * t2;
          s3 += t3 * t3;
        }
        note(c, d, s0);
        note(c, d + 1, s1);
        note(c, d + 2, s2);
        note(c, d + 3, s3);
      }
      for (; d < K; d++) note(c, d, squaredEuclideanAt(centres, p, centres, d * width, width));
    }
  }

  /** Row i's nearest centre after the centres moved. */
  private assign(i: number, cb: number): void {
    const { flat, width, K, groups, groupSize, lower, groupDrift, codes, slack } = this;
    const { candidates, distances } = this;
    const a = codes[i]!;
    let u = this.upper[i]! + this.drift[a]!;
    // Nearer to its centre than half the way to any other: it stays.
    const floor = this.half[a]!;
    if (u + slack < floor) return;
    const xo = i * width;
    const da = squaredEuclideanAt(flat, xo, flat, cb + a * width, width);
    this.computed++;
    u = Math.sqrt(da);
    if (u + slack < floor) {
      this.upper[i] = u - this.drift[a]!;
      return;
    }
    // The centres no bound rules out, in order.
    const reach = u + slack;
    const pairs = groupSize === 1 ? this.halfPairs : null;
    const base = i * groups;
    let n = 0;
    // With the SIMD scan, the groups whose bounds rule them out are skipped two at a time.
    const scan = this.scan;
    let g = scan ? scan.scan(base, 0, groups, reach) : 0;
    while (g < groups) {
      const l = lower[base + g]! - groupDrift[g]!;
      if (l <= reach) {
        if (pairs) {
          const h = pairs[a * K + g]!;
          if (g === a) {
            // Its own centre: not a candidate.
          } else if (h > reach) {
            // d(x, c) ≥ d(a, c) − d(x, a): a better bound without computing the distance.
            const b = 2 * h - u;
            if (b > l) lower[base + g] = b + groupDrift[g]!;
          } else {
            candidates[n++] = g;
          }
        } else {
          const end = Math.min(K, (g + 1) * groupSize);
          for (let c = g * groupSize; c < end; c++) if (c !== a) candidates[n++] = c;
        }
      }
      // After the second of a pair the scan skips on.
      g = scan && (g & 1) === 1 ? scan.scan(base, g + 1, groups, reach) : g + 1;
    }
    if (n === 0) {
      this.upper[i] = u - this.drift[a]!;
      return;
    }
    this.distancesTo(xo, cb, n);
    this.computed += n;
    // The first minimum in centre order, as ml-kmeans's nearestVector picks it.
    let best = a;
    let bestD = da;
    for (let k = 0; k < n; k++) {
      const c = candidates[k]!;
      const d = distances[k]!;
      if (d < bestD || (d === bestD && c < best)) {
        best = c;
        bestD = d;
      }
    }
    // New lower bounds of the groups scored: their least distance other than the nearest.
    let k = 0;
    while (k < n) {
      const g = Math.floor(candidates[k]! / groupSize);
      let l = Infinity;
      for (; k < n && Math.floor(candidates[k]! / groupSize) === g; k++) {
        if (candidates[k] !== best && distances[k]! < l) l = distances[k]!;
      }
      // The old centre is not among the candidates: it stays out of its group's bound while it
      // is the row's centre, and comes in when the row leaves it (below).
      lower[base + g] = Math.sqrt(l) + groupDrift[g]!;
    }
    if (best !== a) {
      const ga = Math.floor(a / groupSize);
      lower[base + ga] = Math.min(lower[base + ga]!, u + groupDrift[ga]!);
    }
    // A group of the nearest centre alone bounds no other centre.
    if (this.alone(best)) lower[base + Math.floor(best / groupSize)] = Infinity;
    codes[i] = best;
    this.upper[i] = Math.sqrt(bestD) - this.drift[best]!;
  }

  /** distances[k] = squaredEuclidean(row at xo, centre candidates[k]) for k < n. */
  private distancesTo(xo: number, cb: number, n: number): void {
    const { flat, width, candidates, distances } = this;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      const p0 = cb + candidates[k]! * width;
      const p1 = cb + candidates[k + 1]! * width;
      const p2 = cb + candidates[k + 2]! * width;
      const p3 = cb + candidates[k + 3]! * width;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < width; j++) {
        const x = flat[xo + j]!;
        const t0 = x - flat[p0 + j]!;
        const t1 = x - flat[p1 + j]!;
        const t2 = x - flat[p2 + j]!;
        const t3 = x - flat[p3 + j]!;
        d0 += t0 * t0;
        d1 += t1 * t1;
        d2 += t2 * t2;
        d3 += t3 * t3;
      }
      distances[k] = d0;
      distances[k + 1] = d1;
      distances[k + 2] = d2;
      distances[k + 3] = d3;
    }
    for (; k < n; k++) {
      distances[k] = squaredEuclideanAt(flat, xo, flat, cb + candidates[k]! * width, width);
    }
  }
}
