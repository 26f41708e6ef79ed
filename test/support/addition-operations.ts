/** GraphQL operations of the filter, paging, explanation and multi-example additions. */
const HIT_FIELDS = `hits {
      score
      item { id title text tags }
      explanation { modality cosine sharedTokens queryTokens }
    }
    modelVersions { modality version }
    nextCursor`;

const PAGE_VARIABLES =
  '$filter: ItemFilter, $textFilter: String, $first: Int, $after: String, $minScore: Float';
const PAGE_ARGS =
  'filter: $filter, textFilter: $textFilter, first: $first, after: $after, minScore: $minScore';

export const SIMILAR_PAGED = `query Similar($id: ID!, $modalities: [Modality!], $weights: ModalityWeights, ${PAGE_VARIABLES}) {
  result: similar(id: $id, modalities: $modalities, weights: $weights, ${PAGE_ARGS}) {
    ${HIT_FIELDS}
  }
}`;

export const SIMILAR_TO_VECTOR_PAGED = `query ByVector($modality: Modality!, $vector: [Float!]!, ${PAGE_VARIABLES}) {
  result: similarToVector(modality: $modality, vector: $vector, ${PAGE_ARGS}) {
    ${HIT_FIELDS}
  }
}`;

export const SIMILAR_TO_ITEMS = `query ByItems($like: [ID!]!, $unlike: [ID!], $modalities: [Modality!], $weights: ModalityWeights, ${PAGE_VARIABLES}) {
  result: similarToItems(like: $like, unlike: $unlike, modalities: $modalities, weights: $weights, ${PAGE_ARGS}) {
    ${HIT_FIELDS}
  }
}`;

export const SIMILAR_TO_VECTORS = `query ByVectors($vectors: ModalityVectors!, $weights: ModalityWeights, ${PAGE_VARIABLES}) {
  result: similarToVectors(vectors: $vectors, weights: $weights, ${PAGE_ARGS}) {
    ${HIT_FIELDS}
  }
}`;

export interface ExplainedHit {
  score: number;
  item: { id: string; title: string | null; text: string | null; tags: string[] };
  explanation: { modality: string; cosine: number; sharedTokens: number; queryTokens: number }[];
}

export interface PagedData {
  result: {
    hits: ExplainedHit[];
    modelVersions: { modality: string; version: number }[];
    nextCursor: string | null;
  };
}
