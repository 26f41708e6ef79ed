/** The vector modalities an item can carry; each has its own LSH model and token field. */
export type Modality = 'IMAGE' | 'TEXT';
export const MODALITIES: readonly Modality[] = ['IMAGE', 'TEXT'];

/** Lower-case key used in stored documents (`image_lsh`, `vectors.image`). */
export function modalityKey(modality: Modality): 'image' | 'text' {
  return modality === 'IMAGE' ? 'image' : 'text';
}

export function lshField(modality: Modality): 'image_lsh' | 'text_lsh' {
  return modality === 'IMAGE' ? 'image_lsh' : 'text_lsh';
}

/** The `dense_vector` field holding a modality's vector for exact ranking (Elasticsearch). */
export function denseVectorField(modality: Modality): 'image_vector' | 'text_vector' {
  return modality === 'IMAGE' ? 'image_vector' : 'text_vector';
}
