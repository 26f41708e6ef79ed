/**
 * Two-modality synthetic items that are hard to search: image (128-d) and text (64-d) vectors
 * drawn from shared latent topics with sub-topics whose centres lie a few item-sigmas apart (the
 * clusters overlap), a per-dimension scale decaying like 1/sqrt(i + 1) (a decaying spectrum, as
 * learned embeddings have), a private per-modality component and dimension noise (so an item's
 * image and text neighbours disagree), and some items lacking one modality. The exact neighbours
 * of a query are then not simply its own sub-topic, and per-field neighbours are not the fused
 * ones. Deterministic for a seed.
 */

export interface MultimodalSettings {
  imageDim: number;
  textDim: number;
  /** Dimensions of the shared latent space. */
  latentDim: number;
  /** Dimensions of each modality's private latent component. */
  privateDim: number;
  topics: number;
  subTopicsPerTopic: number;
  /** Spread of topic centres, of sub-topic centres around their topic, and of items around their sub-topic (per latent dimension). */
  topicSigma: number;
  subTopicSigma: number;
  itemSigma: number;
  /** Per-item private component and per-dimension noise (relative to the mixed signal's scale). */
  privateSigma: number;
  noiseSigma: number;
  /** Fractions of items without a text / without an image vector (query items have both). */
  noTextFraction: number;
  noImageFraction: number;
  seed: number;
}

export const MULTIMODAL: MultimodalSettings = {
  imageDim: 128,
  textDim: 64,
  latentDim: 24,
  privateDim: 16,
  topics: 20,
  subTopicsPerTopic: 10,
  topicSigma: 1.0,
  subTopicSigma: 0.5,
  itemSigma: 0.6,
  privateSigma: 0.5,
  noiseSigma: 0.3,
  noTextFraction: 0.1,
  noImageFraction: 0.05,
  seed: 20261201,
};

export interface MultimodalData {
  name: string;
  count: number;
  imageDim: number;
  textDim: number;
  ids: string[];
  titles: string[];
  /** count × dim, row-major; rows of items lacking the modality are zero. */
  image: Float32Array;
  text: Float32Array;
  hasImage: Uint8Array;
  hasText: Uint8Array;
  topic: Int32Array;
  /** Global sub-topic number (topic × subTopicsPerTopic + sub-topic). */
  subTopic: Int32Array;
  /** Item indexes of the query items (both modalities; indexed like any item). */
  queries: number[];
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** A dim × inDim mixing matrix with rows scaled by 1/sqrt(i + 1) (the decaying spectrum). */
function mixing(dim: number, inDim: number, normal: () => number): Float64Array {
  const m = new Float64Array(dim * inDim);
  const norm = 1 / Math.sqrt(inDim);
  for (let i = 0; i < dim; i++) {
    const decay = 1 / Math.sqrt(i + 1);
    for (let j = 0; j < inDim; j++) m[i * inDim + j] = normal() * norm * decay;
  }
  return m;
}

export function multimodalName(count: number, s: MultimodalSettings = MULTIMODAL): string {
  const k = count % 1000 === 0 ? `${count / 1000}k` : String(count);
  return `multimodal-${k}-seed${s.seed}`;
}

/**
 * `count` items; the last `queries` of them are the query items (both modalities). Items are
 * shuffled over sub-topics at random.
 */
export function generateMultimodal(
  count: number,
  queries: number,
  s: MultimodalSettings = MULTIMODAL,
): MultimodalData {
  const rand = prng(s.seed);
  const normal = gaussian(rand);
  const L = s.latentDim;
  const P = s.privateDim;
  const subTopics = s.topics * s.subTopicsPerTopic;
  const topicCentres = Array.from({ length: s.topics }, () =>
    Float64Array.from({ length: L }, () => normal() * s.topicSigma),
  );
  const subCentres = Array.from({ length: subTopics }, (_, st) => {
    const t = topicCentres[Math.floor(st / s.subTopicsPerTopic)]!;
    return Float64Array.from({ length: L }, (_, j) => t[j]! + normal() * s.subTopicSigma);
  });
  const imageMix = mixing(s.imageDim, L + P, normal);
  const textMix = mixing(s.textDim, L + P, normal);
  const image = new Float32Array(count * s.imageDim);
  const text = new Float32Array(count * s.textDim);
  const hasImage = new Uint8Array(count);
  const hasText = new Uint8Array(count);
  const topic = new Int32Array(count);
  const subTopic = new Int32Array(count);
  const z = new Float64Array(L + P);
  const project = (
    mix: Float64Array,
    dim: number,
    out: Float32Array,
    row: number,
    latent: Float64Array,
  ) => {
    // The private part of `latent` is drawn afresh per modality by the caller.
    for (let i = 0; i < dim; i++) {
      let v = 0;
      for (let j = 0; j < L + P; j++) v += mix[i * (L + P) + j]! * latent[j]!;
      out[row * dim + i] = v + (normal() * s.noiseSigma) / Math.sqrt(i + 1);
    }
  };
  const firstQuery = count - queries;
  for (let n = 0; n < count; n++) {
    const st = Math.floor(rand() * subTopics);
    subTopic[n] = st;
    topic[n] = Math.floor(st / s.subTopicsPerTopic);
    const centre = subCentres[st]!;
    for (let j = 0; j < L; j++) z[j] = centre[j]! + normal() * s.itemSigma;
    const isQuery = n >= firstQuery;
    const r = rand();
    hasText[n] = isQuery || r >= s.noTextFraction ? 1 : 0;
    hasImage[n] =
      isQuery || r < s.noTextFraction || r >= s.noTextFraction + s.noImageFraction ? 1 : 0;
    for (let j = L; j < L + P; j++) z[j] = normal() * s.privateSigma;
    if (hasImage[n]) project(imageMix, s.imageDim, image, n, z);
    for (let j = L; j < L + P; j++) z[j] = normal() * s.privateSigma;
    if (hasText[n]) project(textMix, s.textDim, text, n, z);
  }
  const ids = Array.from({ length: count }, (_, n) => `mm-${String(n).padStart(6, '0')}`);
  const titles = Array.from(
    { length: count },
    (_, n) => `topic ${topic[n]} sub-topic ${subTopic[n]! % s.subTopicsPerTopic} item ${n}`,
  );
  return {
    name: multimodalName(count, s),
    count,
    imageDim: s.imageDim,
    textDim: s.textDim,
    ids,
    titles,
    image,
    text,
    hasImage,
    hasText,
    topic,
    subTopic,
    queries: Array.from({ length: queries }, (_, q) => firstQuery + q),
  };
}

/** The vector of row i as the API gets it (4 decimals). */
export function rowValues(data: Float32Array, dim: number, i: number): number[] {
  const out = new Array<number>(dim);
  for (let j = 0; j < dim; j++) out[j] = Math.round(data[i * dim + j]! * 1e4) / 1e4;
  return out;
}

function unitRows(data: Float32Array, dim: number, count: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[i * dim + j]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < dim; j++) out[i * dim + j] = data[i * dim + j]! * inv;
  }
  return out;
}

function cosines(unit: Float32Array, dim: number, q: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const qo = q * dim;
  for (let i = 0; i < count; i++) {
    const o = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += unit[qo + j]! * unit[o + j]!;
    out[i] = s;
  }
  return out;
}

function topK(scores: Float64Array, k: number, exclude: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (i === exclude) continue;
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

export interface MultimodalTruth {
  k: number;
  /** Per query: exact top-k item indexes by the weighted mean of image and text cosine (a missing modality counts 0). */
  fused: number[][];
  /** Per query: exact top-k by image cosine alone and by text cosine alone. */
  image: number[][];
  text: number[][];
  seconds: number;
}

/**
 * Exact top-k by brute force of every query: the weighted mean `(wI·cosI + wT·cosT)/(wI + wT)`
 * (what `similar` ranks by with both modalities; the query item itself excluded).
 */
export function multimodalTruth(
  data: MultimodalData,
  k: number,
  weights: { image: number; text: number } = { image: 1, text: 1 },
): MultimodalTruth {
  const started = performance.now();
  const image = unitRows(data.image, data.imageDim, data.count);
  const text = unitRows(data.text, data.textDim, data.count);
  const truth: MultimodalTruth = { k, fused: [], image: [], text: [], seconds: 0 };
  const sum = weights.image + weights.text;
  for (const q of data.queries) {
    const ci = cosines(image, data.imageDim, q, data.count);
    const ct = cosines(text, data.textDim, q, data.count);
    const fused = new Float64Array(data.count);
    for (let i = 0; i < data.count; i++)
      fused[i] = (weights.image * ci[i]! + weights.text * ct[i]!) / sum;
    truth.fused.push(topK(fused, k, q));
    truth.image.push(topK(ci, k, q));
    truth.text.push(topK(ct, k, q));
  }
  truth.seconds = (performance.now() - started) / 1000;
  return truth;
}

export interface Hardness {
  /** Mean fraction of a query's exact fused top-k in its own sub-topic / own topic. */
  sameSubTopic: number;
  sameTopic: number;
  /** Mean overlap of the fused top-k with the image-only and text-only top-k. */
  imageOverlap: number;
  textOverlap: number;
  /** Mean fraction of the fused top-k lacking one modality. */
  lackingOne: number;
}

export function hardness(data: MultimodalData, truth: MultimodalTruth): Hardness {
  const Q = data.queries.length;
  let sub = 0;
  let top = 0;
  let io = 0;
  let to = 0;
  let lack = 0;
  data.queries.forEach((q, qi) => {
    const fused = truth.fused[qi]!;
    const n = fused.length;
    sub += fused.filter((i) => data.subTopic[i] === data.subTopic[q]).length / n;
    top += fused.filter((i) => data.topic[i] === data.topic[q]).length / n;
    const img = new Set(truth.image[qi]);
    const txt = new Set(truth.text[qi]);
    io += fused.filter((i) => img.has(i)).length / n;
    to += fused.filter((i) => txt.has(i)).length / n;
    lack += fused.filter((i) => !data.hasImage[i] || !data.hasText[i]).length / n;
  });
  return {
    sameSubTopic: sub / Q,
    sameTopic: top / Q,
    imageOverlap: io / Q,
    textOverlap: to / Q,
    lackingOne: lack / Q,
  };
}
