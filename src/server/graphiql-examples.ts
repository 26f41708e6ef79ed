import type { SearchBackend } from '../search/backend.js';
import type { GraphiqlTab } from './graphiql-route.js';
import { MODALITY_TABLE } from '../domain/modalities.js';

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

/** Example operations for GraphiQL, filled with a real stored item where there is one. */
export async function buildGraphiqlTabs(backend: SearchBackend): Promise<GraphiqlTab[]> {
  let example: { id: string; vector: number[] } | null = null;
  for await (const rows of backend.scanVectors(EXAMPLE.name, { batchSize: 1 })) {
    example = rows[0] ?? null;
    break;
  }
  const id = example?.id ?? 'item-0001';
  const vector = (example?.vector ?? [0.1, 0.2, 0.3]).map((v) => Math.round(v * 1000) / 1000);
  const json = (value: unknown) => JSON.stringify(value, null, 2);
  return [
    { name: 'similar', query: SIMILAR, variables: json({ id, textFilter: null }) },
    {
      name: 'similarToVector',
      query: SIMILAR_TO_VECTOR,
      variables: JSON.stringify({ modality: EXAMPLE.name, vector }),
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
