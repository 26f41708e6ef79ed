import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runPython } from '../python/python-env.js';
import { loadDataset, loadTruth, saveDataset, saveTruth } from './data-cache.js';
import type { Dataset } from './dataset.js';
import { computeGroundTruth } from './ground-truth.js';
import type { LoadedData } from './synthetic-data.js';

const NAMES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const EXPORT = fileURLToPath(new URL('../python/export_digits.py', import.meta.url));

/**
 * scikit-learn's `digits` (1797 handwritten 8×8 digits, 64-d pixel vectors 0..16), shipped inside
 * the scikit-learn wheel: a real data set that needs no download. Every 9th image is a query
 * item (200); they are moved after the corpus so model training never sees them.
 */
export async function digitsData(cacheDir: string, python: string, k: number): Promise<LoadedData> {
  const name = 'digits';
  let data = loadDataset(cacheDir, name);
  if (!data) {
    const raw = join(cacheDir, 'data', 'digits-raw');
    if (!existsSync(join(raw, 'labels.json'))) await runPython(python, EXPORT, [raw]);
    const labels = JSON.parse(readFileSync(join(raw, 'labels.json'), 'utf8')) as number[];
    const bytes = readFileSync(join(raw, 'image.f32'));
    const pixels = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
    const dim = 64;
    const order = [
      ...[...labels.keys()].filter((i) => i % 9 !== 0),
      ...[...labels.keys()].filter((i) => i % 9 === 0),
    ];
    const image = new Float32Array(order.length * dim);
    order.forEach((src, i) => image.set(pixels.subarray(src * dim, (src + 1) * dim), i * dim));
    const queries = order.filter((i) => i % 9 === 0).length;
    data = {
      name,
      count: order.length,
      corpusCount: order.length - queries,
      ids: order.map((i) => `digit-${String(i).padStart(4, '0')}`),
      titles: order.map((i) => `handwritten ${NAMES[labels[i]!]!}`),
      texts: order.map(() => null),
      tags: order.map((i) => [`label-${labels[i]!}`]),
      image: { dim, data: image, decimals: 0 },
      text: null,
      queries: Array.from({ length: queries }, (_, q) => order.length - queries + q),
      ownTopicFilter: null,
      otherTopicFilter: null,
    } satisfies Dataset;
    saveDataset(cacheDir, data);
  }
  let truth = loadTruth(cacheDir, name, k);
  const cached = truth !== null;
  if (!truth) {
    truth = computeGroundTruth(data, k);
    saveTruth(cacheDir, name, truth);
  }
  return { data, truth, generateSeconds: null, cached };
}
