/**
 * The vector modalities an item can carry, as data: each row names everything that differs
 * between modalities. Nothing else spells a modality; adding one is a row here plus the SDL
 * (`enum Modality`, `ItemInput`, `ModalityWeights`, `ModalityVectors`).
 */
export const MODALITY_TABLE = [
  {
    name: 'IMAGE',
    /** Lower-case key: `vectors.<key>` in stored documents, the field of `ModalityWeights`. */
    key: 'image',
    /** The `ItemInput` field (and JSONL key) holding the vector. */
    inputField: 'imageVector',
    /** The `ItemInput` field (and JSONL key) holding the vector as base64 little-endian float32. */
    base64InputField: 'imageVectorBase64',
    /** Keyword field of the LSH tokens. */
    tokenField: 'image_lsh',
    /** Field of the model version the tokens come from. */
    versionField: 'image_model_version',
    /** Flat `dense_vector` field for exact ranking (Elasticsearch). */
    vectorField: 'image_vector',
  },
  {
    name: 'TEXT',
    key: 'text',
    inputField: 'textVector',
    base64InputField: 'textVectorBase64',
    tokenField: 'text_lsh',
    versionField: 'text_model_version',
    vectorField: 'text_vector',
  },
] as const;

export type ModalitySpec = (typeof MODALITY_TABLE)[number];
export type Modality = ModalitySpec['name'];
export type ModalityKey = ModalitySpec['key'];
export type VectorInputField = ModalitySpec['inputField'];
export type Base64VectorInputField = ModalitySpec['base64InputField'];
export type TokenField = ModalitySpec['tokenField'];
export type VersionField = ModalitySpec['versionField'];
export type DenseVectorField = ModalitySpec['vectorField'];

export const MODALITIES: readonly Modality[] = MODALITY_TABLE.map((row) => row.name);

const BY_NAME = new Map<Modality, ModalitySpec>(MODALITY_TABLE.map((row) => [row.name, row]));

/** The table row of a modality. */
export function modalitySpec(modality: Modality): ModalitySpec {
  const spec = BY_NAME.get(modality);
  if (!spec) throw new Error(`unknown modality ${String(modality)}`);
  return spec;
}

/** Lower-case key used in stored documents (`vectors.image`) and in per-modality inputs. */
export function modalityKey(modality: Modality): ModalityKey {
  return modalitySpec(modality).key;
}

export function lshField(modality: Modality): TokenField {
  return modalitySpec(modality).tokenField;
}

/** The `dense_vector` field holding a modality's vector for exact ranking (Elasticsearch). */
export function denseVectorField(modality: Modality): DenseVectorField {
  return modalitySpec(modality).vectorField;
}

export function versionField(modality: Modality): VersionField {
  return modalitySpec(modality).versionField;
}

/** A modality by name, case-insensitively (`image` → IMAGE); null when there is none. */
export function findModality(name: string): Modality | null {
  const upper = name.trim().toUpperCase();
  return MODALITIES.find((m) => m === upper) ?? null;
}

/**
 * Per-modality values keyed by lower-case key (GraphQL `ModalityWeights`, `ModalityVectors`)
 * as a record keyed by modality; absent and null entries are left out.
 */
export function byModality<T>(
  input: Partial<Record<ModalityKey, T | null | undefined>> | null | undefined,
): Partial<Record<Modality, T>> {
  const out: Partial<Record<Modality, T>> = {};
  if (!input) return out;
  for (const spec of MODALITY_TABLE) {
    const value = input[spec.key];
    if (value !== null && value !== undefined) out[spec.name] = value;
  }
  return out;
}
