import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { cosineSimilarity } from '../../src/lsh/vector-math.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

// Both modalities over items of which some lack the text vector: the candidate filter is stated
// once and each "lacking" clause only tests the missing field, so an item without a text vector
// must still score the weighted mean with a text cosine of 0. Against the real server.
describe('similar on two modalities with items lacking one', () => {
  let gateway: Gateway;
  let items: SyntheticItem[];
  const imageOnly = (i: number) => i % 3 === 0;

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    items = smallCollection().map((item, i) =>
      imageOnly(i) ? { ...item, textVector: undefined } : item,
    ) as SyntheticItem[];
    await loadCollection(gateway, items);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('scores image-only hits with a text cosine of 0, and ranks every hit by that mean', async () => {
    const byId = new Map(items.map((item) => [item.id, item]));
    const query = `query W($id: ID!) {
      similar(id: $id, first: 100, weights: { image: 1, text: 1 }) { hits { score item { id } } }
    }`;
    let imageOnlyHits = 0;
    for (const item of items.filter((_, i) => !imageOnly(i)).slice(0, 5)) {
      const response = await gateway.gql<{
        similar: { hits: { score: number; item: { id: string } }[] };
      }>(query, { id: item.id });
      expect(response.errors).toBeUndefined();
      const hits = response.data!.similar.hits;
      expect(hits).toHaveLength(100);
      for (const hit of hits) {
        const other = byId.get(hit.item.id)!;
        const text = other.textVector ? cosineSimilarity(item.textVector!, other.textVector) : 0;
        const expected = (cosineSimilarity(item.imageVector!, other.imageVector!) + text) / 2;
        if (!other.textVector) imageOnlyHits++;
        // Elasticsearch scores in float32.
        expect(Math.abs(hit.score - expected)).toBeLessThan(1e-5);
      }
      const scores = hits.map((h) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
    expect(imageOnlyHits).toBeGreaterThan(0);
  });
});
