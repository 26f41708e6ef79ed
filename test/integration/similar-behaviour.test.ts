import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { cosineSimilarity } from '../../src/lsh/vector-math.js';
import {
  errorCode,
  startGateway,
  type BackendKind,
  type Gateway,
} from '../support/gateway-harness.js';
import { exactNeighbours, loadCollection, smallCollection } from '../support/fixtures.js';
import {
  INGEST,
  MODELS,
  SIMILAR,
  SIMILAR_TO_VECTOR,
  type IngestData,
  type SimilarData,
} from '../support/operations.js';

// One behaviour suite, run against both backends: they must give the same answers.
describe.each<BackendKind>(['elasticsearch', 'embedded'])('similar on the %s backend', (kind) => {
  let gateway: Gateway;
  let items: SyntheticItem[];
  const byId = new Map<string, SyntheticItem>();

  beforeAll(async () => {
    gateway = await startGateway({ backend: kind });
    items = smallCollection();
    for (const item of items) byId.set(item.id, item);
    await loadCollection(gateway, items);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const similar = (variables: Record<string, unknown>) =>
    gateway.gql<SimilarData>(SIMILAR, variables);

  it('never returns the query item and returns `first` hits, best first', async () => {
    for (const item of items.slice(0, 20)) {
      const response = await similar({ id: item.id, first: 10 });
      expect(response.errors).toBeUndefined();
      const hits = response.data!.similar.hits;
      expect(hits).toHaveLength(10);
      expect(hits.map((h) => h.item.id)).not.toContain(item.id);
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    }
  });

  it('finds items of the query item’s own cluster on clustered data', async () => {
    let same = 0;
    let total = 0;
    for (const item of items.slice(0, 30)) {
      const response = await similar({ id: item.id, first: 10 });
      for (const hit of response.data!.similar.hits) {
        total++;
        const other = byId.get(hit.item.id)!;
        if (other.topic === item.topic && other.subtopic === item.subtopic) same++;
      }
    }
    expect(same / total).toBeGreaterThan(0.9);
  });

  it('scores each hit with the weighted mean cosine of its stored vectors, exactly', async () => {
    const weighted = `query W($id: ID!) {
      similar(id: $id, first: 10, weights: { image: 3, text: 1 }) { hits { score item { id } } }
    }`;
    for (const item of items.slice(0, 10)) {
      const response = await gateway.gql<{
        similar: { hits: { score: number; item: { id: string } }[] };
      }>(weighted, { id: item.id });
      expect(response.errors).toBeUndefined();
      for (const hit of response.data!.similar.hits) {
        const other = byId.get(hit.item.id)!;
        const expected =
          (3 * cosineSimilarity(item.imageVector, other.imageVector) +
            cosineSimilarity(item.textVector, other.textVector)) /
          4;
        // Elasticsearch scores in float32.
        expect(Math.abs(hit.score - expected)).toBeLessThan(1e-5);
      }
    }
  });

  it('reaches high recall@10 against exact cosine neighbours, per modality and for both', async () => {
    const cosine = {
      IMAGE: (a: SyntheticItem, b: SyntheticItem) => cosineSimilarity(a.imageVector, b.imageVector),
      TEXT: (a: SyntheticItem, b: SyntheticItem) => cosineSimilarity(a.textVector, b.textVector),
    };
    const queries = items.slice(0, 30);
    for (const modalities of [['IMAGE'], ['TEXT'], ['IMAGE', 'TEXT']] as const) {
      // Equal weights: the score is the mean of the asked modalities' cosines.
      const score = (a: SyntheticItem, b: SyntheticItem) =>
        modalities.reduce((sum, m) => sum + cosine[m](a, b), 0) / modalities.length;
      let found = 0;
      let bothMatter = 0;
      for (const item of queries) {
        const response = await similar({ id: item.id, first: 10, modalities });
        expect(response.errors).toBeUndefined();
        const result = response.data!.similar;
        // Each asked modality's model answered, and only those.
        expect(result.modelVersions.map((v) => v.modality).sort()).toEqual([...modalities]);
        const exact = items
          .filter((other) => other.id !== item.id)
          .map((other) => ({ id: other.id, score: score(item, other) }))
          .sort((a, b) => b.score - a.score)
          .slice(0, 10)
          .map((e) => e.id);
        const got = result.hits.map((h) => h.item.id);
        found += exact.filter((id) => got.includes(id)).length;
        for (const hit of result.hits) {
          const other = byId.get(hit.item.id)!;
          // Elasticsearch scores in float32.
          expect(Math.abs(hit.score - score(item, other))).toBeLessThan(1e-5);
          if (modalities.length === 2) {
            const gap = Math.abs(cosine.IMAGE(item, other) - cosine.TEXT(item, other));
            if (gap > 1e-3) bothMatter++;
          }
        }
      }
      expect(found / (queries.length * 10), modalities.join('+')).toBeGreaterThan(0.9);
      // With both, the scores differ from either modality's cosine alone: both were used.
      if (modalities.length === 2) expect(bothMatter).toBeGreaterThan(100);
    }
  });

  it('keeps only hits that match every word of textFilter, in title or text', async () => {
    const item = items[0]!;
    // One word of the topic's title and one from the text of some item of the same topic.
    const topicWord = item.title.split(' ')[0]!;
    const textWord = item.text.split(' ').find((w) => w.length > 4) ?? item.text.split(' ')[0]!;
    const response = await similar({
      id: item.id,
      textFilter: `${topicWord.toUpperCase()} ${textWord}`,
      first: 20,
    });
    expect(response.errors).toBeUndefined();
    const hits = response.data!.similar.hits;
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) {
      const words = `${hit.item.title} ${hit.item.text}`.toLowerCase().split(/\s+/);
      expect(words).toContain(topicWord.toLowerCase());
      expect(words).toContain(textWord.toLowerCase());
    }
  });

  it('returns `first` hits for a filter that no token match reaches, ranked exactly', async () => {
    // Query a topic-0 item, filtered to another topic's name: few items share its tokens.
    const item = items.find((i) => i.topic === 0)!;
    const other = items.find((i) => i.topic === 3)!;
    const topicWord = other.title.split(' ')[0]!;
    const matching = items.filter((i) => i.title.split(' ')[0] === topicWord);
    expect(matching.length).toBeGreaterThan(20);
    const response = await similar({
      id: item.id,
      textFilter: topicWord,
      modalities: ['IMAGE'],
      first: 20,
    });
    expect(response.errors).toBeUndefined();
    const hits = response.data!.similar.hits.map((h) => h.item.id);
    expect(hits).toHaveLength(20);
    const exact = exactNeighbours(matching, item.imageVector, (i) => i.imageVector, 20, item.id);
    expect(hits).toEqual(exact);
  });

  it('uses only the requested modality: IMAGE ignores text tokens', async () => {
    // A hybrid item: the image of one sub-topic, the text vector of an unrelated topic.
    const imageSource = items.find((i) => i.topic === 0)!;
    const textSource = items.find((i) => i.topic === 3)!;
    const hybrid = {
      id: 'hybrid',
      title: 'hybrid',
      imageVector: imageSource.imageVector,
      textVector: textSource.textVector,
    };
    const ingest = await gateway.gql<IngestData>(INGEST, { items: [hybrid] });
    expect(ingest.data?.ingestItems.indexed).toBe(1);
    const topicsOf = async (modalities: string[]) => {
      const response = await similar({ id: 'hybrid', modalities, first: 10 });
      expect(response.errors).toBeUndefined();
      return response.data!.similar.hits.map((h) => byId.get(h.item.id)?.topic);
    };
    expect(await topicsOf(['IMAGE'])).toEqual(Array(10).fill(0));
    expect(await topicsOf(['TEXT'])).toEqual(Array(10).fill(3));
  });

  it('similarToVector finds the item whose vector it is, first, with score ≈ 1', async () => {
    const item = items[5]!;
    const response = await gateway.gql<{ similarToVector: SimilarData['similar'] }>(
      SIMILAR_TO_VECTOR,
      {
        modality: 'TEXT',
        vector: item.textVector,
        first: 5,
      },
    );
    expect(response.errors).toBeUndefined();
    const [top] = response.data!.similarToVector.hits;
    expect(top?.item.id).toBe(item.id);
    expect(top?.score).toBeCloseTo(1, 4);
  });

  it('answers bad requests with actionable error codes', async () => {
    expect(errorCode(await similar({ id: 'no-such-item' }))).toBe('NOT_FOUND');
    expect(errorCode(await similar({ id: items[0]!.id, first: 0 }))).toBe('BAD_USER_INPUT');
    const wrongLength = await gateway.gql(SIMILAR_TO_VECTOR, {
      modality: 'IMAGE',
      vector: [1, 2, 3],
    });
    expect(errorCode(wrongLength)).toBe('DIMENSION_MISMATCH');
    expect(wrongLength.errors?.[0]?.message).toMatch(/32/);
  });

  it('lists the trained models, one active per modality', async () => {
    const response = await gateway.gql<{
      lshModels: { modality: string; active: boolean; dim: number }[];
    }>(MODELS);
    const models = response.data!.lshModels;
    expect(
      models
        .filter((m) => m.active)
        .map((m) => m.modality)
        .sort(),
    ).toEqual(['IMAGE', 'TEXT']);
    expect(models.find((m) => m.modality === 'IMAGE')?.dim).toBe(32);
  });
});
