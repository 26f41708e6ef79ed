import type { ActiveModel } from './model-registry.js';
import type { Modality } from '../domain/modalities.js';

/** Hashes many vectors of one modality in one pass over a flat buffer. */
export function hashVectors(
  active: ActiveModel,
  vectors: readonly (readonly number[])[],
): string[][] {
  const { dim } = active.model;
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => flat.set(v, i * dim));
  const codes = new Int32Array(vectors.length * active.model.subspaces);
  active.hasher.hashBatchInto(flat, vectors.length, codes);
  return vectors.map((_, i) => active.hasher.codesToTokens(codes, i));
}

/** Sets tokens and model version on every item that has a vector of `modality`. */
export function hashItems(
  items: readonly {
    vectors: Partial<Record<Modality, number[]>>;
    tokens: Partial<Record<Modality, string[]>>;
    modelVersions: Partial<Record<Modality, number>>;
  }[],
  modality: Modality,
  active: ActiveModel,
): void {
  const withVector = items.filter((item) => item.vectors[modality] !== undefined);
  const tokens = hashVectors(
    active,
    withVector.map((item) => item.vectors[modality]!),
  );
  withVector.forEach((item, i) => {
    item.tokens[modality] = tokens[i]!;
    item.modelVersions[modality] = active.record.version;
  });
}
