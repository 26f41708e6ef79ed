import type { Compute } from '../compute/compute.js';
import type { ActiveModel } from './model-registry.js';
import type { Modality } from '../domain/modalities.js';

/** Batches smaller than this are hashed on the calling thread: a worker round trip costs more. */
const SMALL_BATCH = 16;

/**
 * Hashes many vectors of one modality in one pass over a flat buffer; batches of some size run
 * on `compute` (the worker pool).
 */
export async function hashVectors(
  compute: Compute,
  active: ActiveModel,
  vectors: readonly (readonly number[])[],
): Promise<string[][]> {
  const { dim, subspaces } = active.model;
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  let codes: Int32Array;
  if (vectors.length < SMALL_BATCH) {
    codes = new Int32Array(vectors.length * subspaces);
    active.hasher.hashBatchInto(flat, vectors.length, codes);
  } else {
    codes = await compute.hash(active.model, flat, vectors.length);
  }
  return vectors.map((_, i) => active.hasher.codesToTokens(codes, i));
}

/** Sets tokens and model version on every item that has a vector of `modality`. */
export async function hashItems(
  compute: Compute,
  items: readonly {
    vectors: Partial<Record<Modality, number[]>>;
    tokens: Partial<Record<Modality, string[]>>;
    modelVersions: Partial<Record<Modality, number>>;
  }[],
  modality: Modality,
  active: ActiveModel,
): Promise<void> {
  const withVector = items.filter((item) => item.vectors[modality] !== undefined);
  if (withVector.length === 0) return;
  const tokens = await hashVectors(
    compute,
    active,
    withVector.map((item) => item.vectors[modality]!),
  );
  withVector.forEach((item, i) => {
    item.tokens[modality] = tokens[i]!;
    item.modelVersions[modality] = active.record.version;
  });
}
