/**
 * The items index. LSH tokens are `keyword` arrays: every token ("3-14") is indexed whole, as one
 * term, with no analyzer (a keyword field accepts none). Title and text are analysed full text.
 * Vectors sit in `_source` only (an unindexed object): the gateway re-ranks candidates on them.
 */
export const ITEMS_MAPPING = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    title: { type: 'text', analyzer: 'standard' },
    text: { type: 'text', analyzer: 'standard' },
    tags: { type: 'keyword' },
    modalities: { type: 'keyword' },
    image_lsh: { type: 'keyword' },
    text_lsh: { type: 'keyword' },
    image_model_version: { type: 'integer' },
    text_model_version: { type: 'integer' },
    vectors: { type: 'object', enabled: false },
    revision: { type: 'long' },
  },
} as const;

/**
 * The mapping of one generation of the items index. Its `_meta` records the model versions its
 * tokens come from: that is what "active" means, so activation and re-hashing switch together.
 */
export function generationMapping(versions: Partial<Record<'IMAGE' | 'TEXT', number>>) {
  return { ...ITEMS_MAPPING, _meta: { model_versions: versions } };
}

export const MODELS_MAPPING = {
  dynamic: 'strict',
  properties: {
    kind: { type: 'keyword' },
    modality: { type: 'keyword' },
    version: { type: 'integer' },
    created_at: { type: 'date' },
    model: { type: 'object', enabled: false },
  },
} as const;

export const INDEX_SETTINGS = {
  number_of_shards: 1,
  number_of_replicas: 0,
} as const;
