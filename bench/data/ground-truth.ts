import type { Dataset, GroundTruth, VectorColumn } from './dataset.js';

/** Unit-length copy of every row (zero rows stay zero). */
export function normalizedRows(column: VectorColumn, count: number): Float32Array {
  const { dim, data } = column;
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[i * dim + j] = data[i * dim + j]! * inv;
  }
  return out;
}

/** Cosine of query row q with every row (rows are unit length), added into `scores` × weight. */
function addCosines(
  unit: Float32Array,
  dim: number,
  q: number,
  count: number,
  weight: number,
  scores: Float64Array,
) {
  const qo = q * dim;
  for (let i = 0; i < count; i++) {
    const o = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += unit[qo + j]! * unit[o + j]!;
    scores[i] = scores[i]! + weight * s;
  }
}

/** Indexes of the k best scores among `allowed` (all when null), the query excluded; ties → lower index. */
function topK(
  scores: Float64Array,
  k: number,
  exclude: number,
  allowed: Uint8Array | null,
): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (i === exclude || (allowed && !allowed[i])) continue;
    const s = scores[i]!;
    if (best.length === k && !(s > scores[best[k - 1]!]!)) continue;
    let pos = best.length < k ? best.length : k - 1;
    if (best.length < k) best.push(i);
    while (pos > 0 && s > scores[best[pos - 1]!]!) {
      best[pos] = best[pos - 1]!;
      pos--;
    }
    best[pos] = i;
  }
  return best;
}

/** Items whose title or text holds `word` as a whole (lower-case) word. */
export function matchingItems(data: Dataset, word: string): Uint8Array {
  const w = word.toLowerCase();
  const out = new Uint8Array(data.count);
  const has = (s: string | null) =>
    s !== null &&
    s
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .includes(w);
  for (let i = 0; i < data.count; i++) out[i] = has(data.titles[i]!) || has(data.texts[i]!) ? 1 : 0;
  return out;
}

/** Exact top-k by brute force (cosine) for every query of the data set. */
export function computeGroundTruth(data: Dataset, k: number): GroundTruth {
  const started = performance.now();
  const n = data.count;
  const image = normalizedRows(data.image, n);
  const text = data.text ? normalizedRows(data.text, n) : null;
  const ids = (idx: number[]) => idx.map((i) => data.ids[i]!);
  const truth: GroundTruth = {
    k,
    image: [],
    multimodal: text ? [] : null,
    filteredOwn: data.ownTopicFilter ? [] : null,
    filteredOther: data.otherTopicFilter ? [] : null,
    filteredOwnCounts: data.ownTopicFilter ? [] : null,
    filteredOtherCounts: data.otherTopicFilter ? [] : null,
    seconds: 0,
  };
  const masks = new Map<string, Uint8Array>();
  const mask = (word: string) => {
    let m = masks.get(word);
    if (!m) masks.set(word, (m = matchingItems(data, word)));
    return m;
  };
  const count = (m: Uint8Array, q: number) => m.reduce((a, b) => a + b, 0) - (m[q] ? 1 : 0);
  const scores = new Float64Array(n);
  data.queries.forEach((q, qi) => {
    scores.fill(0);
    addCosines(image, data.image.dim, q, n, 1, scores);
    truth.image.push(ids(topK(scores, k, q, null)));
    const own = data.ownTopicFilter?.[qi];
    if (own && truth.filteredOwn && truth.filteredOwnCounts) {
      truth.filteredOwn.push(ids(topK(scores, k, q, mask(own))));
      truth.filteredOwnCounts.push(count(mask(own), q));
    }
    const other = data.otherTopicFilter?.[qi];
    if (other && truth.filteredOther && truth.filteredOtherCounts) {
      truth.filteredOther.push(ids(topK(scores, k, q, mask(other))));
      truth.filteredOtherCounts.push(count(mask(other), q));
    }
    if (text && data.text && truth.multimodal) {
      addCosines(text, data.text.dim, q, n, 1, scores);
      truth.multimodal.push(ids(topK(scores, k, q, null)));
    }
  });
  truth.seconds = (performance.now() - started) / 1000;
  return truth;
}

/**
 * Exact top-k among every item of the data set for query vectors that are not items (e.g.
 * Fashion-MNIST's test images): ids, best first, by brute-force cosine.
 */
export function vectorQueryTruth(
  data: Dataset,
  queries: Float32Array,
  queryCount: number,
  k: number,
): string[][] {
  const n = data.count;
  const dim = data.image.dim;
  const unit = normalizedRows(data.image, n);
  const unitQueries = normalizedRows({ dim, data: queries, decimals: 0 }, queryCount);
  const scores = new Float64Array(n);
  const truth: string[][] = [];
  for (let q = 0; q < queryCount; q++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += unitQueries[q * dim + j]! * unit[i * dim + j]!;
      scores[i] = s;
    }
    truth.push(topK(scores, k, -1, null).map((i) => data.ids[i]!));
  }
  return truth;
}
