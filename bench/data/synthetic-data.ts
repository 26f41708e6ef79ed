import {
  DEFAULT_SYNTHETIC,
  generateSyntheticItems,
  topicVocabularies,
} from '../../src/demo/synthetic-items.js';
import { log } from '../lib/format.js';
import { loadDataset, loadTruth, saveDataset, saveTruth } from './data-cache.js';
import type { Dataset, GroundTruth } from './dataset.js';
import { computeGroundTruth } from './ground-truth.js';

/** Generator settings: 512-d image and 384-d text vectors sharing 20 topics × 10 sub-topics. */
export const SYNTHETIC = { ...DEFAULT_SYNTHETIC, imageDim: 512, textDim: 384, topics: 20 };

export function syntheticName(corpus: number, queries: number): string {
  const k = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));
  return `synthetic-${k(corpus)}-q${queries}-seed${SYNTHETIC.seed}`;
}

/**
 * `corpus` generated items followed by `queries` more: the query items are held out of model
 * training but indexed like the rest (so `similar(id)` can name them). Deterministic.
 */
export function generateSynthetic(corpus: number, queries: number): Dataset {
  const count = corpus + queries;
  const items = generateSyntheticItems({ ...SYNTHETIC, count });
  const names = topicVocabularies(SYNTHETIC.seed, SYNTHETIC.topics).map((words) => words[0]!);
  const image = new Float32Array(count * SYNTHETIC.imageDim);
  const text = new Float32Array(count * SYNTHETIC.textDim);
  items.forEach((item, i) => {
    image.set(item.imageVector, i * SYNTHETIC.imageDim);
    text.set(item.textVector, i * SYNTHETIC.textDim);
  });
  const queryIdx = Array.from({ length: queries }, (_, q) => corpus + q);
  return {
    name: syntheticName(corpus, queries),
    count,
    corpusCount: corpus,
    ids: items.map((it) => it.id),
    titles: items.map((it) => it.title),
    texts: items.map((it) => it.text),
    tags: items.map((it) => it.tags),
    image: { dim: SYNTHETIC.imageDim, data: image, decimals: 4 },
    text: { dim: SYNTHETIC.textDim, data: text, decimals: 4 },
    queries: queryIdx,
    ownTopicFilter: queryIdx.map((i) => names[items[i]!.topic]!),
    otherTopicFilter: queryIdx.map((i) => names[(items[i]!.topic + 7) % SYNTHETIC.topics]!),
  };
}

export interface LoadedData {
  data: Dataset;
  truth: GroundTruth;
  generateSeconds: number | null;
  cached: boolean;
}

/** The data set and its exact top-k, from the cache when there. */
export function syntheticData(
  cacheDir: string,
  corpus: number,
  queries: number,
  k: number,
): LoadedData {
  const name = syntheticName(corpus, queries);
  let data = loadDataset(cacheDir, name);
  let truth = data ? loadTruth(cacheDir, name, k) : null;
  let generateSeconds: number | null = null;
  const cached = data !== null && truth !== null;
  if (!data) {
    log(`generating ${name}`);
    const started = performance.now();
    data = generateSynthetic(corpus, queries);
    generateSeconds = (performance.now() - started) / 1000;
    saveDataset(cacheDir, data);
  }
  if (!truth) {
    log(`exact top-${k} of ${data.queries.length} queries over ${data.count} items (brute force)`);
    truth = computeGroundTruth(data, k);
    saveTruth(cacheDir, name, truth);
  }
  return { data, truth, generateSeconds, cached };
}
