import { centroidSquaredNorms } from './nearest-centroid-kernels.js';

/*
 * The nearest-centre pass behind each k-means iteration: ml-kmeans asks for row × centre
 * distances one at a time; this answers them from one blocked pass per iteration that skips
 * rows whose centre cannot change (Hamerly's bounds).
 */

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]! - b[j]!;
    d += t * t;
  }
  return d;
}

/**
 * The distance function given to ml-kmeans. Each Lloyd step of ml-kmeans asks, row by row in
 * order, the distance from the row to every centre in order, and keeps the first minimum. The
 * first row's questions are answered exactly, and they show this iteration's centres: they are
 * copied after the rows in `flat`, and every row's nearest centre is then found at once (see
 * NearestCentres). The other rows' questions are answered from that: 0 for the nearest centre,
 * 1 for the others, so ml-kmeans picks exactly that centre. Any other question (its convergence
 * check compares centres), or a centre that is not the one seen for the first row, gets the
 * exact distance.
 */
export function batchedAssignment(
  flat: Float64Array,
  count: number,
  width: number,
  K: number,
): (a: number[], b: number[]) => number {
  const rowBytes = width * Float64Array.BYTES_PER_ELEMENT;
  const centres: unknown[] = new Array<unknown>(K);
  const nearest = new NearestCentres(flat, count, width, K);
  const cb = count * width;
  let row = -1;
  let j = 0;
  return (a, b) => {
    const x = a as unknown;
    if (!(x instanceof Float64Array) || x.buffer !== flat.buffer) return squaredDistance(a, b);
    const i = x.byteOffset / rowBytes;
    if (i !== row) {
      row = i;
      j = 0;
    } else {
      j++;
    }
    if (i === 0) {
      centres[j] = b;
      flat.set(b, cb + j * width);
      if (j === K - 1) nearest.update();
      return squaredDistance(a, b);
    }
    if (centres[j] !== b) return squaredDistance(a, b);
    return nearest.codes[i] === j ? 0 : 1;
  };
}

/**
 * Every row's nearest centre, iteration after iteration, by Hamerly's algorithm (G. Hamerly,
 * "Making k-means even faster", SDM 2010): per row an upper bound on the distance to its centre
 * and a lower bound on the distance to any other; when the centres move, the bounds move by at
 * most as much, and a row whose upper bound stays under its lower bound (or under half the
 * distance from its centre to the next one) keeps its centre without a single distance computed.
 * The others are scored against every centre: argmin ‖c‖² − 2·x·c, four centres per pass.
 * Exact: the same assignment as a full search (up to ties between equally near centres).
 */
class NearestCentres {
  readonly codes: Int32Array;
  private readonly upper: Float64Array;
  private readonly lower: Float64Array;
  private readonly rowNorms: Float64Array;
  private readonly previous: Float64Array;
  private readonly moved: Float64Array;
  private readonly half: Float64Array;
  private started = false;
  /** Rows waiting to be scored four at a time, and their running best two scores. */
  private readonly pending = new Int32Array(4);
  private readonly e1 = new Float64Array(4);
  private readonly e2 = new Float64Array(4);
  private readonly best = new Int32Array(4);

  constructor(
    private readonly flat: Float64Array,
    private readonly count: number,
    private readonly width: number,
    private readonly K: number,
  ) {
    this.codes = new Int32Array(count);
    this.upper = new Float64Array(count);
    this.lower = new Float64Array(count);
    this.rowNorms = centroidSquaredNorms(flat.subarray(0, count * width), count, width);
    this.previous = new Float64Array(K * width);
    this.moved = new Float64Array(K);
    this.half = new Float64Array(K);
  }

  /** The centres after the rows in `flat` changed: re-assign the rows. */
  update(): void {
    const { flat, count, width, K, codes, upper, lower, moved, half } = this;
    const cb = count * width;
    const centres = flat.subarray(cb, cb + K * width);
    const norms = centroidSquaredNorms(centres, K, width);
    if (!this.started) {
      this.started = true;
      const pending = this.pending;
      let i = 0;
      for (; i + 4 <= count; i += 4) {
        pending[0] = i;
        pending[1] = i + 1;
        pending[2] = i + 2;
        pending[3] = i + 3;
        this.full4(pending, cb, norms);
      }
      for (; i < count; i++) this.full(i, cb, norms);
      this.previous.set(centres);
      return;
    }
    // How far each centre moved, the largest two moves, and half the gap to the next centre.
    let max1 = 0;
    let max2 = 0;
    let maxAt = -1;
    for (let c = 0; c < K; c++) {
      const m = Math.sqrt(distanceAt(centres, c * width, this.previous, c * width, width));
      moved[c] = m;
      if (m > max1) {
        max2 = max1;
        max1 = m;
        maxAt = c;
      } else if (m > max2) {
        max2 = m;
      }
    }
    half.fill(Infinity);
    for (let c = 0; c < K; c++) {
      for (let d = c + 1; d < K; d++) {
        const h = Math.sqrt(distanceAt(centres, c * width, centres, d * width, width)) / 2;
        if (h < half[c]!) half[c] = h;
        if (h < half[d]!) half[d] = h;
      }
    }
    const pending = this.pending;
    let waiting = 0;
    for (let i = 0; i < count; i++) {
      const a = codes[i]!;
      upper[i] = upper[i]! + moved[a]!;
      lower[i] = lower[i]! - (a === maxAt ? max2 : max1);
      const bound = Math.max(half[a]!, lower[i]!);
      if (upper[i]! <= bound) continue;
      upper[i] = Math.sqrt(distanceAt(flat, i * width, flat, cb + a * width, width));
      if (upper[i]! <= bound) continue;
      pending[waiting++] = i;
      if (waiting === 4) {
        this.full4(pending, cb, norms);
        waiting = 0;
      }
    }
    for (let w = 0; w < waiting; w++) this.full(pending[w]!, cb, norms);
    this.previous.set(centres);
  }

  /** full for the four rows in `rows`, two centres per pass over the coordinates. */
  private full4(rows: Int32Array, cb: number, norms: Float64Array): void {
    const { flat, width, K, e1, e2, best } = this;
    const x0 = rows[0]! * width;
    const x1 = rows[1]! * width;
    const x2 = rows[2]! * width;
    const x3 = rows[3]! * width;
    e1.fill(Infinity);
    e2.fill(Infinity);
    best.fill(0);
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
      this.consider(0, nc - 2 * a0, c);
      this.consider(1, nc - 2 * a1, c);
      this.consider(2, nc - 2 * a2, c);
      this.consider(3, nc - 2 * a3, c);
      this.consider(0, nd - 2 * b0, c + 1);
      this.consider(1, nd - 2 * b1, c + 1);
      this.consider(2, nd - 2 * b2, c + 1);
      this.consider(3, nd - 2 * b3, c + 1);
    }
    for (; c < K; c++) {
      const p = cb + c * width;
      for (let r = 0; r < 4; r++) {
        const xo = rows[r]! * width;
        let d = 0;
        for (let j = 0; j < width; j++) d += flat[xo + j]! * flat[p + j]!;
        this.consider(r, norms[c]! - 2 * d, c);
      }
    }
    for (let r = 0; r < 4; r++) {
      const i = rows[r]!;
      const xn = this.rowNorms[i]!;
      this.codes[i] = best[r]!;
      this.upper[i] = Math.sqrt(Math.max(0, xn + e1[r]!));
      this.lower[i] = Math.sqrt(Math.max(0, xn + e2[r]!));
    }
  }

  private consider(r: number, t: number, c: number): void {
    const { e1, e2, best } = this;
    if (t < e1[r]!) {
      e2[r] = e1[r]!;
      e1[r] = t;
      best[r] = c;
    } else if (t < e2[r]!) {
      e2[r] = t;
    }
  }

  /** Scores row i against every centre: its nearest, and both bounds exact. */
  private full(i: number, cb: number, norms: Float64Array): void {
    const { flat, width, K } = this;
    const xo = i * width;
    let best = 0;
    let e1 = Infinity;
    let e2 = Infinity;
    let c = 0;
    for (; c + 3 < K; c += 4) {
      const b0 = cb + c * width;
      const b1 = b0 + width;
      const b2 = b1 + width;
      const b3 = b2 + width;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < width; j++) {
        const v = flat[xo + j]!;
        d0 += v * flat[b0 + j]!;
        d1 += v * flat[b1 + j]!;
        d2 += v * flat[b2 + j]!;
        d3 += v * flat[b3 + j]!;
      }
      const t0 = norms[c]! - 2 * d0;
      const t1 = norms[c + 1]! - 2 * d1;
      const t2 = norms[c + 2]! - 2 * d2;
      const t3 = norms[c + 3]! - 2 * d3;
      if (t0 < e1) {
        e2 = e1;
        e1 = t0;
        best = c;
      } else if (t0 < e2) e2 = t0;
      if (t1 < e1) {
        e2 = e1;
        e1 = t1;
        best = c + 1;
      } else if (t1 < e2) e2 = t1;
      if (t2 < e1) {
        e2 = e1;
        e1 = t2;
        best = c + 2;
      } else if (t2 < e2) e2 = t2;
      if (t3 < e1) {
        e2 = e1;
        e1 = t3;
        best = c + 3;
      } else if (t3 < e2) e2 = t3;
    }
    for (; c < K; c++) {
      let d = 0;
      const b = cb + c * width;
      for (let j = 0; j < width; j++) d += flat[xo + j]! * flat[b + j]!;
      const t = norms[c]! - 2 * d;
      if (t < e1) {
        e2 = e1;
        e1 = t;
        best = c;
      } else if (t < e2) e2 = t;
    }
    const xn = this.rowNorms[i]!;
    this.codes[i] = best;
    this.upper[i] = Math.sqrt(Math.max(0, xn + e1));
    this.lower[i] = Math.sqrt(Math.max(0, xn + e2));
  }
}

function distanceAt(
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
