import type { estypes } from '@elastic/elasticsearch';
import { MODALITY_TABLE, type Modality } from '../../domain/modalities.js';

/** The vectors as `dense_vector` fields, for exact ranking inside the search. */
export const DENSE_VECTOR_FIELDS = MODALITY_TABLE.map((row) => row.vectorField);

/**
 * A `flat` index keeps the vectors for brute-force scoring with no HNSW graph to build (ingest
 * stays cheap): a `knn` query filtered to the token-match candidates ranks exactly those.
 */
const FLAT_VECTOR: estypes.MappingDenseVectorProperty = {
  type: 'dense_vector',
  element_type: 'float',
  index: true,
  similarity: 'cosine',
  index_options: { type: 'flat' },
};

/** Per modality (one table row): its token keyword, its model version, its flat vector. */
const MODALITY_PROPERTIES: Record<string, estypes.MappingProperty> = Object.fromEntries(
  MODALITY_TABLE.flatMap((row) => [
    [row.tokenField, { type: 'keyword' }],
    [row.versionField, { type: 'integer' }],
    [row.vectorField, FLAT_VECTOR],
  ]),
);

/**
 * The items index. LSH tokens are `keyword` arrays: every token ("3-14") is indexed whole, as one
 * term, with no analyzer (a keyword field accepts none). Title and text are analysed full text.
 * Vectors are kept twice: as base64 in `_source` (an unindexed object) to hand back and to
 * re-hash, and in flat `dense_vector` fields, where a `knn` query filtered by the token match
 * ranks the candidates exactly without sending their vectors to the gateway. Those are left out
 * of `_source`: as JSON numbers they would make every fetch slow.
 */
export const ITEMS_MAPPING = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    title: { type: 'text', analyzer: 'standard' },
    text: { type: 'text', analyzer: 'standard' },
    tags: { type: 'keyword' },
    modalities: { type: 'keyword' },
    ...MODALITY_PROPERTIES,
    vectors: { type: 'object', enabled: false },
    revision: { type: 'long' },
    // Set on the copies an activation makes (the generation copied from); a write clears it.
    carried_from: { type: 'keyword' },
  },
} as const satisfies estypes.MappingTypeMapping;

/**
 * The mapping of one generation of the items index. Its `_meta` records the model versions its
 * tokens come from: that is what "active" means, so activation and re-hashing switch together.
 */
export function generationMapping(
  versions: Partial<Record<Modality, number>>,
): estypes.MappingTypeMapping {
  return {
    ...ITEMS_MAPPING,
    _source: { excludes: [...DENSE_VECTOR_FIELDS] },
    _meta: { model_versions: versions },
  };
}

/** The model store. `kind` is always 'model' (an older release also kept 'active' pointers). */
export const MODELS_MAPPING = {
  dynamic: 'strict',
  properties: {
    kind: { type: 'keyword' },
    modality: { type: 'keyword' },
    version: { type: 'integer' },
    created_at: { type: 'date' },
    model: { type: 'object', enabled: false },
  },
} as const satisfies estypes.MappingTypeMapping;

/** How the lshql indexes are laid out on the cluster (LSHQL_SHARDS, LSHQL_REPLICAS). */
export interface IndexLayout {
  /** Primary shards of an items generation. */
  shards: number;
  replicas: number;
}

export const DEFAULT_LAYOUT: IndexLayout = { shards: 1, replicas: 0 };

/** Settings of an items generation: sharded as configured. */
export function generationSettings(layout: IndexLayout): estypes.IndicesIndexSettings {
  return { number_of_shards: layout.shards, number_of_replicas: layout.replicas };
}

/** Settings of the small indexes (models, jobs): one shard, replicated as configured. */
export function smallIndexSettings(layout: IndexLayout): estypes.IndicesIndexSettings {
  return { number_of_shards: 1, number_of_replicas: layout.replicas };
}

/** A generation's settings with the default layout (one shard, no replica). */
export const INDEX_SETTINGS = generationSettings(DEFAULT_LAYOUT);
