import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset, GroundTruth } from './dataset.js';

/** Data sets and their ground truth are cached under .cache/bench/data/<name>/ (binary vectors). */
export const CACHE_VERSION = 1;

interface Meta extends Omit<Dataset, 'image' | 'text'> {
  version: number;
  image: { dim: number; decimals: number };
  text: { dim: number; decimals: number } | null;
}

function dir(cacheDir: string, name: string): string {
  return join(cacheDir, 'data', name);
}

function writeF32(file: string, data: Float32Array): void {
  writeFileSync(file, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file);
  const out = new Float32Array(bytes.length / 4);
  Buffer.from(out.buffer).set(bytes);
  return out;
}

export function saveDataset(cacheDir: string, data: Dataset): void {
  const d = dir(cacheDir, data.name);
  mkdirSync(d, { recursive: true });
  writeF32(join(d, 'image.f32'), data.image.data);
  if (data.text) writeF32(join(d, 'text.f32'), data.text.data);
  const meta: Meta = {
    ...data,
    version: CACHE_VERSION,
    image: { dim: data.image.dim, decimals: data.image.decimals },
    text: data.text ? { dim: data.text.dim, decimals: data.text.decimals } : null,
  };
  writeFileSync(join(d, 'meta.json'), JSON.stringify(meta));
}

export function loadDataset(cacheDir: string, name: string): Dataset | null {
  const d = dir(cacheDir, name);
  if (!existsSync(join(d, 'meta.json'))) return null;
  const meta = JSON.parse(readFileSync(join(d, 'meta.json'), 'utf8')) as Meta;
  if (meta.version !== CACHE_VERSION) return null;
  return {
    ...meta,
    image: { ...meta.image, data: readF32(join(d, 'image.f32')) },
    text: meta.text ? { ...meta.text, data: readF32(join(d, 'text.f32')) } : null,
  };
}

export function saveTruth(cacheDir: string, name: string, truth: GroundTruth): void {
  writeFileSync(join(dir(cacheDir, name), `truth-k${truth.k}.json`), JSON.stringify(truth));
}

export function loadTruth(cacheDir: string, name: string, k: number): GroundTruth | null {
  const file = join(dir(cacheDir, name), `truth-k${k}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GroundTruth) : null;
}

/** The vectors of one modality as a raw float32 file, for the Python baseline. */
export function vectorFile(cacheDir: string, name: string, modality: 'image' | 'text'): string {
  return join(dir(cacheDir, name), `${modality}.f32`);
}
