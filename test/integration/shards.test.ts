import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems } from '../../src/demo/synthetic-items.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { loadCollection } from '../support/fixtures.js';
import { SIMILAR, type SimilarData } from '../support/operations.js';

async function settingsOf(gateway: Gateway): Promise<{ shards: string; replicas: string }[]> {
  const backend = gateway.backend as ElasticsearchBackend;
  const settings = await backend.client.indices.getSettings({ index: `${backend.itemsAlias}` });
  return Object.values(settings).map((entry) => ({
    shards: String(entry.settings?.index?.number_of_shards),
    replicas: String(entry.settings?.index?.number_of_replicas),
  }));
}

// The same data in a 1-shard and a 2-shard items index gives the same `similar` answers:
// candidates come from the token match on every shard, and the ranking is exact.
describe('shards and replicas on Elasticsearch', () => {
  let one: Gateway;
  let two: Gateway;
  const items = generateSyntheticItems({ count: 600, imageDim: 16, textDim: 12, topics: 5 });

  beforeAll(async () => {
    one = await startGateway({ backend: 'elasticsearch' });
    two = await startGateway({
      backend: 'elasticsearch',
      env: { LSHQL_SHARDS: '2', LSHQL_REPLICAS: '1' },
    });
    await loadCollection(one, items);
    await loadCollection(two, items);
  });
  afterAll(async () => {
    await one?.close();
    await two?.close();
  });

  it('lays the items generations out as configured, after activation too', async () => {
    expect(await settingsOf(one)).toEqual([{ shards: '1', replicas: '0' }]);
    // loadCollection trained both modalities: the current generation is a re-hashed one.
    expect((await two.backend.generation()).id).not.toMatch(/-000001$/);
    expect(await settingsOf(two)).toEqual([{ shards: '2', replicas: '1' }]);
  });

  it('gives the same similar answers on 2 shards as on 1', async () => {
    let compared = 0;
    for (const item of items.filter((_, i) => i % 20 === 0)) {
      for (const modalities of [['IMAGE'], ['TEXT'], ['IMAGE', 'TEXT']]) {
        const variables = { id: item.id, modalities, first: 10 };
        const [a, b] = await Promise.all([
          one.gql<SimilarData>(SIMILAR, variables),
          two.gql<SimilarData>(SIMILAR, variables),
        ]);
        expect(a.errors).toBeUndefined();
        expect(b.errors).toBeUndefined();
        const hitsA = a.data!.similar.hits;
        const hitsB = b.data!.similar.hits;
        expect(hitsA.length).toBe(10);
        expect(hitsB.map((h) => h.item.id)).toEqual(hitsA.map((h) => h.item.id));
        hitsB.forEach((hit, i) => expect(hit.score).toBeCloseTo(hitsA[i]!.score, 5));
        compared++;
      }
    }
    expect(compared).toBe(90);
  });
});
