import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadDataset, loadTruth, saveDataset, saveTruth } from './data-cache.js';
import type { Dataset } from './dataset.js';
import { computeGroundTruth } from './ground-truth.js';
import type { LoadedData } from './synthetic-data.js';

/** Where Debian's `dataset-fashion-mnist` puts the four IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const PACKAGE = 'dataset-fashion-mnist';
const DIM = 28 * 28;
const CLASSES = [
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle boot',
];

export type FashionSplit = 'train' | 't10k';

/** Installs the Debian package when the files are missing (needs root and apt-get). */
export function ensureFashionMnist(dir = FASHION_MNIST_DIR): void {
  if (existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${dir} is missing: run \`sudo apt-get install ${PACKAGE}\` and try again`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', PACKAGE], { stdio: 'inherit', env });
  if (!existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) {
    throw new Error(`apt-get installed ${PACKAGE} but ${dir} has no IDX files`);
  }
}

function readIdx(file: string, magic: number): Buffer {
  const bytes = gunzipSync(readFileSync(file));
  if (bytes.readUInt32BE(0) !== magic) throw new Error(`${file}: not an IDX file (magic)`);
  return bytes;
}

/** Images of one split as rows of 784 pixel values 0..255, and their class labels 0..9. */
export function readFashionMnist(
  split: FashionSplit,
  dir = FASHION_MNIST_DIR,
): { count: number; dim: number; pixels: Float32Array; labels: Uint8Array } {
  ensureFashionMnist(dir);
  const images = readIdx(join(dir, `${split}-images-idx3-ubyte.gz`), 0x803);
  const labels = readIdx(join(dir, `${split}-labels-idx1-ubyte.gz`), 0x801);
  const count = images.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const cols = images.readUInt32BE(12);
  if (rows * cols !== DIM || labels.readUInt32BE(4) !== count) {
    throw new Error(`${dir}: unexpected ${split} shape ${count}×${rows}×${cols}`);
  }
  const pixels = new Float32Array(count * DIM);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images[16 + i]!;
  return { count, dim: DIM, pixels, labels: new Uint8Array(labels.subarray(8, 8 + count)) };
}

/**
 * Fashion-MNIST's training images as items (60,000 × 784, pixels 0..255: real, not trivially
 * separable vectors). Every `queryEvery`-th image is a query item; like the digits set, the
 * query items are moved after the corpus so model training never samples them. `limit` takes
 * the first images only (smaller runs).
 */
export function fashionMnistData(
  cacheDir: string,
  k: number,
  options: { limit?: number; queries?: number } = {},
): LoadedData {
  const source = readFashionMnist('train');
  const total = Math.min(options.limit ?? source.count, source.count);
  const queryCount = Math.min(options.queries ?? 200, Math.floor(total / 10));
  const name = `fashion-mnist-${total}-q${queryCount}`;
  let data = loadDataset(cacheDir, name);
  if (!data) {
    const step = Math.floor(total / queryCount);
    const isQuery = (i: number) => i % step === 0 && i / step < queryCount;
    const all = [...Array(total).keys()];
    const order = [...all.filter((i) => !isQuery(i)), ...all.filter(isQuery)];
    const image = new Float32Array(total * DIM);
    order.forEach((src, i) =>
      image.set(source.pixels.subarray(src * DIM, (src + 1) * DIM), i * DIM),
    );
    data = {
      name,
      count: total,
      corpusCount: total - queryCount,
      ids: order.map((i) => `fashion-${String(i).padStart(5, '0')}`),
      titles: order.map((i) => CLASSES[source.labels[i]!]!),
      texts: order.map(() => null),
      tags: order.map((i) => [`class-${source.labels[i]!}`]),
      image: { dim: DIM, data: image, decimals: 0 },
      text: null,
      queries: Array.from({ length: queryCount }, (_, q) => total - queryCount + q),
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
