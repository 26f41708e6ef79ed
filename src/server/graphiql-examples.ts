import type { SearchBackend } from '../search/backend.js';
import type { GraphiqlTab } from './graphiql-route.js';
import { MODALITY_TABLE } from '../domain/modalities.js';
import type { StoredItem } from '../domain/item.js';

/** The examples use the first modality of the table. */
const EXAMPLE = MODALITY_TABLE[0];

const SIMILAR = `# Items like one item, by image and text tokens, re-ranked exactly.
query Similar($id: ID!, $textFilter: String) {
  similar(id: $id, textFilter: $textFilter, first: 5) {
    hits {
      score
      item { id title tags }
    }
    modelVersions { modality version }
  }
}`;

const SIMILAR_TO_VECTOR = `# Items like a raw vector (hashed with the modality's active model).
query SimilarToVector($modality: Modality!, $vector: [Float!]!) {
  similarToVector(modality: $modality, vector: $vector, first: 5) {
    hits { score item { id title } }
  }
}`;

const FILTERED = `# Structured filters inside the search: still \`first\` hits whenever that many pass.
query SimilarFiltered($id: ID!, $filter: ItemFilter) {
  similar(id: $id, filter: $filter, first: 5) {
    hits { score item { id title tags } }
  }
}`;

const PAGES = `# Pages of one ranking: pass nextCursor as \`after\` (null when there is no next page).
query SimilarPages($id: ID!, $after: String) {
  similar(id: $id, first: 5, after: $after) {
    hits { score item { id title } }
    nextCursor
  }
}`;

const MIN_SCORE = `# A score cut-off: hits below minScore are dropped, and paging stops there.
query SimilarAboveScore($id: ID!, $minScore: Float) {
  similar(id: $id, minScore: $minScore, first: 20) {
    hits { score item { id title } }
    nextCursor
  }
}`;

const EXPLAIN = `# Why each hit matched: per modality, its cosine and the LSH tokens it shares with the query.
query SimilarExplained($id: ID!) {
  similar(id: $id, first: 5) {
    hits {
      score
      item { id title }
      explanation { modality cosine sharedTokens queryTokens }
    }
  }
}`;

const BY_ITEMS = `# Like these items, unlike those: ranked by cosine to mean(like) − mean(unlike).
query SimilarToItems($like: [ID!]!, $unlike: [ID!]) {
  similarToItems(like: $like, unlike: $unlike, first: 5) {
    hits { score item { id title tags } }
  }
}`;

const BY_VECTORS = `# Raw vectors of several modalities at once, fused like similar(id).
query SimilarToVectors($vectors: ModalityVectors!, $weights: ModalityWeights) {
  similarToVectors(vectors: $vectors, weights: $weights, first: 5) {
    hits { score item { id title } }
  }
}`;

const INGEST = `# Store (or replace) items; failures are reported per item.
mutation Ingest($items: [ItemInput!]!) {
  ingestItems(items: $items) {
    indexed
    failed { id code message }
  }
}`;

const MODELS = `query Models {
  lshModels { modality version dim subspaces clusters active trainedOn createdAt }
}`;

/** A few stored items with their vectors (the first ones a scan finds). */
async function exampleItems(backend: SearchBackend, count: number): Promise<StoredItem[]> {
  const ids: string[] = [];
  for await (const rows of backend.scanVectors(EXAMPLE.name, { batchSize: count })) {
    ids.push(...rows.map((row) => row.id));
    if (ids.length >= count) break;
  }
  const items = await backend.getItems(ids.slice(0, count), { withVectors: true });
  return items.filter((item): item is StoredItem => item !== null);
}

const rounded = (vector: readonly number[]) => vector.map((v) => Math.round(v * 1000) / 1000);

/** Example operations for GraphiQL, filled with real stored items where there are some. */
export async function buildGraphiqlTabs(backend: SearchBackend): Promise<GraphiqlTab[]> {
  const stored = await exampleItems(backend, 40);
  const example = stored[0];
  const id = example?.id ?? 'item-0001';
  const vector = rounded(example?.vectors[EXAMPLE.name] ?? [0.1, 0.2, 0.3]);
  const tag = example?.tags[0];
  // Like the example item and one more of its first tag, unlike one without that tag.
  const sameTag = stored.find((item) => item !== example && tag && item.tags.includes(tag));
  const otherTag = stored.find((item) => !tag || !item.tags.includes(tag));
  const vectors = Object.fromEntries(
    MODALITY_TABLE.flatMap((row) => {
      const v = example?.vectors[row.name];
      return v ? [[row.key, rounded(v)]] : [];
    }),
  );
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    { name: 'similar', query: SIMILAR, variables: json({ id, textFilter: null }) },
    {
      name: 'similarToVector',
      query: SIMILAR_TO_VECTOR,
      variables: JSON.stringify({ modality: EXAMPLE.name, vector }),
    },
    {
      name: 'filter',
      query: FILTERED,
      variables: json({
        id,
        // Its first tag, not its second: on the demo, its topic but another sub-topic.
        filter: { tagsAny: tag ? [tag] : [], tagsNone: example?.tags.slice(1, 2) ?? [] },
      }),
    },
    { name: 'pages', query: PAGES, variables: json({ id, after: null }) },
    { name: 'minScore', query: MIN_SCORE, variables: json({ id, minScore: 0.5 }) },
    { name: 'explanation', query: EXPLAIN, variables: json({ id }) },
    {
      name: 'similarToItems',
      query: BY_ITEMS,
      variables: json({
        like: [id, ...(sameTag ? [sameTag.id] : [])],
        unlike: otherTag ? [otherTag.id] : [],
      }),
    },
    {
      name: 'similarToVectors',
      query: BY_VECTORS,
      variables: JSON.stringify({
        vectors: Object.keys(vectors).length > 0 ? vectors : { [EXAMPLE.key]: vector },
        weights: Object.fromEntries(MODALITY_TABLE.map((row) => [row.key, 1])),
      }),
    },
    {
      name: 'ingestItems',
      query: INGEST,
      variables: json({
        items: [
          {
            id: 'my-item-1',
            title: 'A new item',
            text: 'Its description',
            tags: ['example'],
            [EXAMPLE.inputField]: vector,
          },
        ],
      }),
    },
    { name: 'lshModels', query: MODELS },
  ];
}
