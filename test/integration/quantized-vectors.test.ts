import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { cosineSimilarity } from '../../src/lsh/vector-math.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';

interface Similar {
  similar: { hits: { score: number; item: { id: string } }[] };
}

/*
 * LSHQL_VECTOR_INDEX=int8_flat: the generations index the vectors quantized as well, the knn
 * clauses score the candidates on those and re-score the best on the floats. The hits' scores
 * stay the exact cosines; the hits are the flat index's nearly always.
 */
describe('quantized vector index (Elasticsearch)', () => {
  let flat: Gateway;
  let int8: Gateway;
  let items: SyntheticItem[];

  beforeAll(async () => {
    items = smallCollection();
    [flat, int8] = await Promise.all([
      startGateway({ backend: 'elasticsearch' }),
      startGateway({ backend: 'elasticsearch', env: { LSHQL_VECTOR_INDEX: 'int8_flat' } }),
    ]);
    await loadCollection(flat, items);
    await loadCollection(int8, items);
  });
  afterAll(async () => {
    await Promise.all([flat?.close(), int8?.close()]);
  });

  it('indexes the live generation’s vectors as int8_flat, and only where asked', async () => {
    const typeOf = async (gateway: Gateway) => {
      const backend = gateway.backend as ElasticsearchBackend;
      const mappings = await backend.client.indices.getMapping({ index: backend.itemsAlias });
      const [mapping] = Object.values(mappings);
      const field = mapping!.mappings.properties!['image_vector'] as {
        index_options?: { type: string };
      };
      return field.index_options?.type;
    };
    expect(await typeOf(int8)).toBe('int8_flat');
    expect(await typeOf(flat)).toBe('flat');
  });

  it('returns exact cosines, and the flat index’s hits', async () => {
    const byId = new Map(items.map((item) => [item.id, item]));
    let same = 0;
    let total = 0;
    for (const item of items.slice(0, 30)) {
      const query = `query($id: ID!) { similar(id: $id, first: 10, modalities: [IMAGE]) { hits { score item { id } } } }`;
      const [a, b] = await Promise.all([
        flat.gql<Similar>(query, { id: item.id }),
        int8.gql<Similar>(query, { id: item.id }),
      ]);
      expect(b.errors).toBeUndefined();
      const flatIds = new Set(a.data!.similar.hits.map((h) => h.item.id));
      for (const hit of b.data!.similar.hits) {
        const exact = cosineSimilarity(item.imageVector, byId.get(hit.item.id)!.imageVector);
        expect(hit.score).toBeCloseTo(exact, 5);
        total++;
        if (flatIds.has(hit.item.id)) same++;
      }
    }
    expect(total).toBe(300);
    expect(same / total).toBeGreaterThanOrEqual(0.95);
  });
});
