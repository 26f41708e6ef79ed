import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { trainLshModel } from '../../src/lsh/train.js';
import { serializeModel } from '../../src/lsh/model-serialization.js';
import { modelKey, type StoredModel } from '../../src/models/model-record.js';
import type { StoredItem } from '../../src/domain/item.js';
import {
  DEFAULT_MLT_SETTINGS,
  type MoreLikeThisSettings,
  type SimilarPlan,
} from '../../src/search/query-plan.js';
import { compileSimilarQuery, LEAN_QUERY } from '../../src/search/elasticsearch/query-compiler.js';
import { exactNeighbours, loadCollection, smallCollection } from '../support/fixtures.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { SIMILAR, type SimilarData } from '../support/operations.js';

// Elasticsearch specifics: the mapping keeps tokens whole, `similar` is one search request, and
// each more_like_this setting we choose matters against the real server.
describe('Elasticsearch mapping and more_like_this settings', () => {
  let gateway: Gateway;
  let backend: ElasticsearchBackend;
  let items: SyntheticItem[];
  const SUBSPACES = 32;

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    backend = gateway.backend as ElasticsearchBackend;
    items = smallCollection();
    // 32 subspaces: more tokens per item than MLT's default max_query_terms of 25.
    await loadCollection(gateway, items, { subspaces: SUBSPACES, clusters: 40 });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('indexes an LSH token as one whole term', async () => {
    const analyzed = await backend.client.indices.analyze({
      index: backend.itemsAlias,
      field: 'image_lsh',
      text: '3-14',
    });
    expect(analyzed.tokens?.map((t) => t.token)).toEqual(['3-14']);
    // The standard analyzer would have split it: that is what the mapping avoids.
    const standard = await backend.client.indices.analyze({ analyzer: 'standard', text: '3-14' });
    expect(standard.tokens?.map((t) => t.token)).toEqual(['3', '14']);
  });

  it('matches tokens exactly: neither half of "g-c" finds the item holding it', async () => {
    const [item] = await backend.getItems([items[0]!.id]);
    const token = item!.tokens.IMAGE![3]!;
    const holders = async (value: string) => {
      const response = await backend.client.search({
        index: backend.itemsAlias,
        query: { term: { image_lsh: value } },
        _source: false,
        size: 1000,
      });
      return response.hits.hits.map((h) => h._id);
    };
    expect(await holders(token)).toContain(items[0]!.id);
    const [subspace, cluster] = token.split('-');
    expect(await holders(subspace!)).toEqual([]);
    expect(await holders(cluster!)).toEqual([]);
  });

  it('answers `similar` with one mget and exactly one search request holding one bool query', async () => {
    gateway.calls.length = 0;
    const response = await gateway.gql<SimilarData>(SIMILAR, { id: items[1]!.id, first: 5 });
    expect(response.errors).toBeUndefined();
    expect(response.data!.similar.hits.length).toBeGreaterThan(0);
    expect(gateway.calls.filter((c) => c === 'similar')).toHaveLength(1);
    expect(gateway.calls.filter((c) => c !== 'mget' && c !== 'similar')).toEqual([]);
  });

  it('adds one filter-only search when fewer token matches than the page depth pass a filter', async () => {
    // Every page of a filtered query must rank the same candidates: when the token match
    // counts fewer than the depth limit (1000) passing items, every passing item is ranked.
    gateway.calls.length = 0;
    const response = await gateway.gql<SimilarData>(SIMILAR, {
      id: items[1]!.id,
      textFilter: items[1]!.title.split(' ')[0],
      first: 5,
    });
    expect(response.errors).toBeUndefined();
    expect(response.data!.similar.hits.length).toBe(5);
    expect(gateway.calls.filter((c) => c === 'similar')).toHaveLength(2);
    expect(gateway.calls.filter((c) => c !== 'mget' && c !== 'similar')).toEqual([]);
  });

  /** Recall@10 of the token match alone (no exact re-ranking) under given MLT settings. */
  async function tokenRecall(mlt: Partial<MoreLikeThisSettings>) {
    let found = 0;
    let hits = 0;
    const queries = items.slice(0, 120);
    const stored = await backend.getItems(queries.map((q) => q.id));
    for (const [i, item] of queries.entries()) {
      const plan: SimilarPlan = {
        clauses: [{ modality: 'IMAGE', tokens: stored[i]!.tokens.IMAGE!, boost: 1 }],
        textFilter: null,
        excludeIds: [item.id],
        candidates: 10,
        mlt: { ...DEFAULT_MLT_SETTINGS, maxQueryTerms: SUBSPACES, ...mlt },
        vectorsFor: [],
      };
      const candidates = await backend.executeSimilar(plan);
      hits += candidates.length;
      const exact = new Set(
        exactNeighbours(items, item.imageVector, (i) => i.imageVector, 10, item.id),
      );
      found += candidates.filter((c) => exact.has(c.item.id)).length;
    }
    return { recall: found / (queries.length * 10), hits };
  }

  it('needs min_term_freq 1: the default of 2 drops every token, so nothing matches', async () => {
    const ours = await tokenRecall({});
    const esDefault = await tokenRecall({ minTermFreq: 2 });
    expect(ours.hits).toBe(1200);
    expect(esDefault.hits).toBe(0);
  });

  it('needs max_query_terms ≥ tokens per item: the default of 25 loses recall', async () => {
    const ours = await tokenRecall({});
    const esDefault = await tokenRecall({ maxQueryTerms: 25 });
    expect(esDefault.recall).toBeLessThan(ours.recall);
  });
});

// The same settings on hand-made tokens, where the expected answer is known exactly.
describe('more_like_this settings on hand-made LSH tokens', () => {
  let gateway: Gateway;
  let backend: ElasticsearchBackend;
  const tokens = (from: number, to: number, cluster: number) =>
    Array.from({ length: to - from }, (_, i) => `${from + i}-${cluster}`);
  const item = (id: string, imageTokens: string[]): StoredItem => ({
    id,
    title: null,
    text: null,
    tags: [],
    modalities: ['IMAGE'],
    vectors: { IMAGE: [1, 0] },
    tokens: { IMAGE: imageTokens },
    modelVersions: { IMAGE: 1 },
  });

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    backend = gateway.backend as ElasticsearchBackend;
    await backend.putItems([
      // Three near-copies holding rare tokens (cluster 9 of subspaces 0..31): df = 3.
      item('rare-0', tokens(0, 32, 9)),
      item('rare-1', tokens(0, 32, 9)),
      item('rare-2', tokens(0, 32, 9)),
      // An item sharing only subspaces 25..31 with the query, where tokens are common (df 21).
      item('tail', [...tokens(0, 25, 7), ...tokens(25, 32, 1)]),
      ...Array.from({ length: 20 }, (_, n) =>
        item(`filler-${n}`, [...tokens(0, 25, 2), ...tokens(25, 32, 1)]),
      ),
    ]);
    await backend.refresh();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const like = async (tokensOfQuery: string[], mlt: Partial<MoreLikeThisSettings>) => {
    const candidates = await backend.executeSimilar({
      clauses: [{ modality: 'IMAGE', tokens: tokensOfQuery, boost: 1 }],
      textFilter: null,
      excludeIds: [],
      candidates: 50,
      mlt: { ...DEFAULT_MLT_SETTINGS, maxQueryTerms: 32, ...mlt },
      vectorsFor: [],
    });
    return candidates.map((c) => c.item.id);
  };

  it('min_doc_freq 5 (the default) finds nothing for tokens only 3 near-copies hold', async () => {
    expect((await like(tokens(0, 32, 9), {})).sort()).toEqual(['rare-0', 'rare-1', 'rare-2']);
    expect(await like(tokens(0, 32, 9), { minDocFreq: 5 })).toEqual([]);
  });

  it('min_term_freq 2 (the default) drops tokens that occur once per item: nothing matches', async () => {
    expect(await like(tokens(0, 32, 9), { minTermFreq: 2 })).toEqual([]);
  });

  it('max_query_terms 25 (the default) keeps the 25 rarest of 32 tokens and loses the rest', async () => {
    // Subspaces 0..24: rare tokens of the near-copies; 25..31: common ones "tail" shares.
    const query = [...tokens(0, 25, 9), ...tokens(25, 32, 1)];
    expect(await like(query, {})).toContain('tail');
    const truncated = await like(query, { maxQueryTerms: 25 });
    expect(truncated.sort()).toEqual(['rare-0', 'rare-1', 'rare-2']);
  });

  it('tokens as whitespace-analysed text match as the artificial document does, scores too', async () => {
    const hitsOf = async (plan: SimilarPlan, likeText: boolean) => {
      const body = compileSimilarQuery(plan, backend.itemsAlias, { ...LEAN_QUERY, likeText });
      const response = await backend.client.search({
        index: backend.itemsAlias,
        ...body,
        _source: false,
      });
      return response.hits.hits.map((h) => `${h._id} ${h._score}`).sort();
    };
    const plans: SimilarPlan[] = [
      // Every token eligible; then only the 25 rarest (the term selection must agree); then
      // with unlike tokens, which take the near-copies' rare tokens out of the query.
      { maxQueryTerms: 32, unlike: undefined },
      { maxQueryTerms: 25, unlike: undefined },
      { maxQueryTerms: 32, unlike: tokens(0, 25, 9) },
    ].map(({ maxQueryTerms, unlike }) => ({
      clauses: [
        {
          modality: 'IMAGE',
          tokens: [...tokens(0, 25, 9), ...tokens(25, 32, 1)],
          boost: 1,
          ...(unlike ? { unlike } : {}),
        },
      ],
      textFilter: null,
      excludeIds: [],
      candidates: 50,
      mlt: { ...DEFAULT_MLT_SETTINGS, maxQueryTerms },
      vectorsFor: [],
    }));
    const found: string[][] = [];
    for (const plan of plans) {
      const asText = await hitsOf(plan, true);
      expect(asText).toEqual(await hitsOf(plan, false));
      found.push(asText);
    }
    // The three plans select differently: the comparison is not between empty answers.
    expect(found.map((hits) => hits.length)).toEqual([24, 3, 21]);
  });
});

// Model versions are documents of the models index, keyed like the registry's cache.
describe('the Elasticsearch model store', () => {
  let gateway: Gateway;
  let backend: ElasticsearchBackend;
  const vectors = Float32Array.from({ length: 40 * 4 }, (_, i) => Math.sin(i * 0.7));
  const model = serializeModel(
    trainLshModel(vectors, 40, {
      dim: 4,
      subspaces: 2,
      clusters: 3,
      metric: 'cosine',
      rotate: false,
      seed: 1,
    }),
  );
  const stored = (version: number): StoredModel => ({
    modality: 'TEXT',
    version,
    createdAt: '2025-01-02T03:04:05.000Z',
    model,
  });

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    backend = gateway.backend as ElasticsearchBackend;
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('stores a version under its model key, once', async () => {
    expect(await backend.models.create(stored(1))).toBe(true);
    expect(await backend.models.create(stored(1))).toBe(false);
    const doc = await backend.client.get({ index: backend.modelsIndex, id: modelKey('TEXT', 1) });
    expect(doc.found).toBe(true);
    expect(await backend.models.get('TEXT', 1)).toEqual(stored(1));
    expect(await backend.models.get('TEXT', 2)).toBeNull();
    expect((await backend.models.list('TEXT')).map((m) => m.version)).toEqual([1]);
  });

  it('still reads versions an older release stored under `model-<key>`', async () => {
    await backend.client.index({
      index: backend.modelsIndex,
      id: `model-${modelKey('TEXT', 5)}`,
      refresh: true,
      document: {
        kind: 'model',
        modality: 'TEXT',
        version: 5,
        created_at: stored(5).createdAt,
        model,
      },
    });
    expect(await backend.models.get('TEXT', 5)).toEqual(stored(5));
    expect((await backend.models.list('TEXT')).map((m) => m.version)).toEqual([5, 1]);
  });
});
