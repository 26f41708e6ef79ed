import { isZeroNorm, unitVector } from '../../lsh/vector-math.js';
import {
  MODALITY_TABLE,
  modalitySpec,
  type DenseVectorField,
  type Modality,
  type ModalityKey,
  type TokenField,
  type VersionField,
} from '../../domain/modalities.js';
import type { ItemView, StoredItem } from '../../domain/item.js';
import { decodeVector, encodeVector, float32Values } from './vector-encoding.js';

/** The fields every item document has; the per-modality ones come from the modality table. */
interface CommonFields {
  id: string;
  title: string | null;
  text: string | null;
  tags: string[];
  modalities: Modality[];
  /** Base64 float32 by modality key (see vector-encoding.ts). */
  vectors?: Partial<Record<ModalityKey, string>>;
  /** When the item was written (µs, gateway clock): the external version of the document. */
  revision?: number;
  /**
   * The generation this document was copied from by an activation; never set by a write, so
   * overwriting a copy clears it. Never read back into an item.
   */
  carried_from?: string;
}

/** The document shape in the items index. */
export type ItemDocument = CommonFields & {
  /** LSH tokens, set together with the version of the model they come from. */
  [F in TokenField]?: string[];
} & { [F in VersionField]?: number } & {
  /** For exact ranking in Elasticsearch (absent for a zero vector); never in `_source`. */
  [F in DenseVectorField]?: number[];
};

/** The `_source` path of a modality's encoded vector. */
export function encodedVectorPath(modality: Modality): string {
  return `vectors.${modalitySpec(modality).key}`;
}

/** A modality's vector as stored in the document, still encoded. */
export function encodedVectorOf(doc: ItemDocument, modality: Modality): string | undefined {
  return doc.vectors?.[modalitySpec(modality).key];
}

/** Records tokens of `modality` hashed by model `version` in the document. */
export function setTokens(
  doc: ItemDocument,
  modality: Modality,
  tokens: string[],
  version: number,
): void {
  const spec = modalitySpec(modality);
  doc[spec.tokenField] = tokens;
  doc[spec.versionField] = version;
}

export function toDocument(item: StoredItem): ItemDocument {
  const vectors: Partial<Record<ModalityKey, string>> = {};
  const doc: ItemDocument = {
    id: item.id,
    title: item.title,
    text: item.text,
    tags: item.tags,
    modalities: item.modalities,
    vectors,
  };
  for (const spec of MODALITY_TABLE) {
    const vector = item.vectors[spec.name];
    if (vector) {
      vectors[spec.key] = encodeVector(vector);
      if (!isZeroNorm(vector)) doc[spec.vectorField] = float32Values(unitVector(vector));
    }
    const tokens = item.tokens[spec.name];
    const version = item.modelVersions[spec.name];
    if (tokens && version !== undefined) setTokens(doc, spec.name, tokens, version);
  }
  return doc;
}

/** Adds the dense vectors a document read back from `_source` lacks (they are not kept there). */
export function withDenseVectors(doc: ItemDocument): ItemDocument {
  const copy = { ...doc };
  for (const spec of MODALITY_TABLE) {
    const encoded = doc.vectors?.[spec.key];
    const vector = encoded ? decodeVector(encoded) : null;
    if (vector && !isZeroNorm(vector)) copy[spec.vectorField] = float32Values(unitVector(vector));
  }
  return copy;
}

export function toView(doc: ItemDocument): ItemView {
  return {
    id: doc.id,
    title: doc.title ?? null,
    text: doc.text ?? null,
    tags: doc.tags ?? [],
    modalities: doc.modalities ?? [],
  };
}

export function vectorsOf(doc: ItemDocument): Partial<Record<Modality, number[]>> {
  const vectors: Partial<Record<Modality, number[]>> = {};
  for (const spec of MODALITY_TABLE) {
    const encoded = doc.vectors?.[spec.key];
    if (encoded) vectors[spec.name] = decodeVector(encoded);
  }
  return vectors;
}

export function modelVersionsOf(doc: ItemDocument): Partial<Record<Modality, number>> {
  const versions: Partial<Record<Modality, number>> = {};
  for (const spec of MODALITY_TABLE) {
    const version = doc[spec.versionField];
    if (version !== undefined) versions[spec.name] = version;
  }
  return versions;
}

/**
 * A hit read from doc values (`docvalue_fields`: every value a list) as the item document of
 * its key fields: id, modalities (in canonical order; doc values sort them) and model
 * versions. Title and text are absent, tags empty.
 */
export function keysDocument(fields: Record<string, unknown[] | undefined>): ItemDocument {
  const id = fields['id']?.[0];
  // Every item document has an `id`: a hit without one would shift the page silently.
  if (typeof id !== 'string') throw new Error('search hit has no id doc value');
  const doc: ItemDocument = {
    id,
    title: null,
    text: null,
    tags: [],
    modalities: MODALITY_TABLE.map((spec) => spec.name).filter((m) =>
      fields['modalities']?.includes(m),
    ),
  };
  for (const spec of MODALITY_TABLE) {
    const version = fields[spec.versionField]?.[0];
    if (typeof version === 'number') doc[spec.versionField] = version;
  }
  return doc;
}

export function fromDocument(doc: ItemDocument): StoredItem {
  const item: StoredItem = {
    ...toView(doc),
    vectors: vectorsOf(doc),
    tokens: {},
    modelVersions: {},
  };
  for (const spec of MODALITY_TABLE) {
    const tokens = doc[spec.tokenField];
    const version = doc[spec.versionField];
    if (tokens && version !== undefined) {
      item.tokens[spec.name] = tokens;
      item.modelVersions[spec.name] = version;
    }
  }
  return item;
}
