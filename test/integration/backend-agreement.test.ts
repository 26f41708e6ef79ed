import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoData } from '../../src/demo/demo-data.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { SIMILAR, type SimilarData } from '../support/operations.js';

// The embedded backend must answer like Elasticsearch: on the demo collection, their top-10
// `similar` hits overlap by at least 0.8 on average.
describe('embedded and Elasticsearch backends agree on the demo data', () => {
  let elasticsearch: Gateway;
  let embedded: Gateway;

  beforeAll(async () => {
    [elasticsearch, embedded] = await Promise.all([
      startGateway({ backend: 'elasticsearch' }),
      startGateway({ backend: 'embedded' }),
    ]);
    await Promise.all([loadDemoData(elasticsearch.services), loadDemoData(embedded.services)]);
  }, 180_000);
  afterAll(async () => {
    await elasticsearch?.close();
    await embedded?.close();
  });

  it('gives top-10 hits that overlap by ≥ 0.8 on average', async () => {
    const overlaps: number[] = [];
    for (let n = 0; n < 60; n++) {
      const id = `item-${String(n * 16).padStart(4, '0')}`;
      const variables = { id, first: 10, textFilter: n % 3 === 0 ? 'the' : null };
      const [a, b] = await Promise.all([
        elasticsearch.gql<SimilarData>(SIMILAR, variables),
        embedded.gql<SimilarData>(SIMILAR, variables),
      ]);
      expect(a.errors ?? b.errors).toBeUndefined();
      const fromEs = new Set(a.data!.similar.hits.map((h) => h.item.id));
      const fromEmbedded = b.data!.similar.hits.map((h) => h.item.id);
      const denominator = Math.max(fromEs.size, fromEmbedded.length, 1);
      overlaps.push(fromEmbedded.filter((hit) => fromEs.has(hit)).length / denominator);
    }
    const mean = overlaps.reduce((sum, o) => sum + o, 0) / overlaps.length;
    console.log(
      `mean top-10 overlap between backends: ${mean.toFixed(3)} over ${overlaps.length} queries`,
    );
    expect(mean).toBeGreaterThanOrEqual(0.8);
  });
});
