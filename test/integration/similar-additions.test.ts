import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { cosineSimilarity } from '../../src/lsh/vector-math.js';
import { rocchioVector } from '../../src/search/rocchio.js';
import {
  errorCode,
  startGateway,
  type BackendKind,
  type Gateway,
} from '../support/gateway-harness.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';
import {
  SIMILAR_PAGED,
  SIMILAR_TO_ITEMS,
  SIMILAR_TO_VECTOR_PAGED,
  SIMILAR_TO_VECTORS,
  type ExplainedHit,
  type PagedData,
} from '../support/addition-operations.js';

type Variables = Record<string, unknown>;

// Filters, pages, score cut-off, explanations, several examples and several vectors, on both
// backends: the same behaviour through GraphQL over HTTP.
describe.each<BackendKind>(['elasticsearch', 'embedded'])('additions on the %s backend', (kind) => {
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

  /** The four similarity queries, each with its own query variables, for one item. */
  const queriesFor = (item: SyntheticItem): [string, string, Variables][] => [
    ['similar', SIMILAR_PAGED, { id: item.id }],
    ['similarToVector', SIMILAR_TO_VECTOR_PAGED, { modality: 'IMAGE', vector: item.imageVector }],
    ['similarToItems', SIMILAR_TO_ITEMS, { like: [item.id] }],
    [
      'similarToVectors',
      SIMILAR_TO_VECTORS,
      { vectors: { image: item.imageVector, text: item.textVector } },
    ],
  ];

  const run = async (query: string, variables: Variables) => {
    const response = await gateway.gql<PagedData>(query, variables);
    expect(response.errors).toBeUndefined();
    return response.data!.result;
  };

  /** Every page of a query, following nextCursor, with `first` per page. */
  const allPages = async (query: string, variables: Variables, first: number) => {
    const pages: ExplainedHit[][] = [];
    let after: string | null = null;
    do {
      const page = await run(query, { ...variables, first, after });
      pages.push(page.hits);
      after = page.nextCursor;
    } while (after !== null && pages.length < 50);
    return pages;
  };

  const ids = (hits: ExplainedHit[]) => hits.map((h) => h.item.id);

  describe('filter', () => {
    it('keeps only hits passing tagsAny, tagsAll, tagsNone and text, on every query', async () => {
      const item = items[0]!;
      const topicTag = item.tags[0]!;
      const subtopicTag = item.tags[1]!;
      const otherTopic = items.find((i) => i.topic !== item.topic)!.tags[0]!;
      const word = item.title.split(' ')[0]!;
      const filters = [
        { tagsAny: [topicTag, otherTopic] },
        { tagsAll: [topicTag, subtopicTag] },
        { tagsNone: [topicTag] },
        { text: word, tagsNone: [subtopicTag] },
      ];
      for (const [name, query, variables] of queriesFor(item)) {
        for (const filter of filters) {
          const { hits } = await run(query, { ...variables, filter, first: 10 });
          expect(hits.length, `${name} ${JSON.stringify(filter)}`).toBeGreaterThan(0);
          for (const { item: hit } of hits) {
            const tags = new Set(hit.tags);
            if (filter.tagsAny) expect(filter.tagsAny.some((t) => tags.has(t))).toBe(true);
            for (const t of filter.tagsAll ?? []) expect(tags.has(t)).toBe(true);
            for (const t of filter.tagsNone ?? []) expect(tags.has(t)).toBe(false);
            if (filter.text) {
              expect(`${hit.title} ${hit.text}`.toLowerCase().split(/\s+/)).toContain(
                filter.text.toLowerCase(),
              );
            }
          }
        }
      }
    });

    it('returns `first` hits whenever that many items pass, even with no shared token', async () => {
      // A topic-0 query filtered to one sub-topic of another topic: few share its tokens.
      const item = items.find((i) => i.topic === 0)!;
      const counts = new Map<string, number>();
      for (const i of items)
        if (i.topic !== 0) counts.set(i.tags[1]!, (counts.get(i.tags[1]!) ?? 0) + 1);
      const [tag, count] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
      expect(count).toBeGreaterThanOrEqual(12);
      for (const [name, query, variables] of queriesFor(item)) {
        const { hits } = await run(query, { ...variables, filter: { tagsAll: [tag] }, first: 12 });
        expect(hits, name).toHaveLength(12);
        for (const hit of hits) expect(hit.item.tags).toContain(tag);
        // More than pass: every passing item, and no next page.
        const all = await run(query, { ...variables, filter: { tagsAny: [tag] }, first: 100 });
        expect(all.hits, name).toHaveLength(count);
        expect(all.nextCursor).toBeNull();
      }
    });

    it('refuses over-long tag lists with BAD_USER_INPUT', async () => {
      const tagsAny = Array.from({ length: 101 }, (_, i) => `t${i}`);
      const response = await gateway.gql(SIMILAR_PAGED, { id: items[0]!.id, filter: { tagsAny } });
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
    });
  });

  describe('minScore', () => {
    it('drops hits below it and ends the pages there', async () => {
      const item = items[3]!;
      for (const [name, query, variables] of queriesFor(item)) {
        const full = await run(query, { ...variables, first: 30 });
        const minScore = full.hits[12]!.score;
        const expected = full.hits.filter((h) => h.score >= minScore).map((h) => h.item.id);
        const cut = await run(query, { ...variables, first: 30, minScore });
        expect(ids(cut.hits), name).toEqual(expected);
        expect(cut.nextCursor).toBeNull();
        const pages = await allPages(query, { ...variables, minScore }, 5);
        expect(
          pages.flat().map((h) => h.item.id),
          name,
        ).toEqual(expected);
      }
    });
  });

  describe('after / nextCursor', () => {
    it('gives pages that concatenate to one larger `first`, on every query', async () => {
      const item = items[7]!;
      for (const [name, query, variables] of queriesFor(item)) {
        const larger = await run(query, { ...variables, first: 28 });
        const pages: ExplainedHit[] = [];
        let after: string | null = null;
        for (let i = 0; i < 4; i++) {
          const page = await run(query, { ...variables, first: 7, after });
          expect(page.hits, name).toHaveLength(7);
          expect(page.nextCursor).not.toBeNull();
          pages.push(...page.hits);
          after = page.nextCursor;
        }
        expect(ids(pages), name).toEqual(ids(larger.hits));
        expect(new Set(ids(pages)).size).toBe(28);
        pages.forEach((hit, i) => expect(hit.score).toBeCloseTo(larger.hits[i]!.score, 6));
      }
    });

    it('keeps pages equal to one larger `first` under selective filters too', async () => {
      // Filters that few of the query's token matches pass: the filter-only ranking steps in,
      // for every page of the query alike.
      for (const item of items.slice(0, 6)) {
        for (let topic = 0; topic < 6; topic++) {
          const variables = { id: item.id, filter: { tagsAny: [`topic-${topic}`] } };
          const larger = await run(SIMILAR_PAGED, { ...variables, first: 40 });
          const pages = (await allPages(SIMILAR_PAGED, variables, 10)).flat().slice(0, 40);
          expect(ids(pages), `${item.id} topic-${topic}`).toEqual(ids(larger.hits));
        }
      }
    });

    it('pages a filtered ranking to its end, where nextCursor is null', async () => {
      const item = items[2]!;
      const filter = { tagsAny: [item.tags[0]!] };
      const passing = items.filter((i) => i.tags.includes(item.tags[0]!) && i.id !== item.id);
      const pages = await allPages(SIMILAR_PAGED, { id: item.id, filter }, 10);
      expect(new Set(ids(pages.flat())).size).toBe(passing.length);
      expect(pages.flat()).toHaveLength(passing.length);
      const scores = pages.flat().map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });

    it('refuses a cursor of another query or a tampered one with BAD_USER_INPUT', async () => {
      const [a, b] = [items[0]!, items[1]!];
      const page = await run(SIMILAR_PAGED, { id: a.id, first: 5 });
      const cursor = page.nextCursor!;
      expect(cursor).toEqual(expect.any(String));
      const other = await gateway.gql(SIMILAR_PAGED, { id: b.id, first: 5, after: cursor });
      expect(errorCode(other)).toBe('BAD_USER_INPUT');
      const filtered = await gateway.gql(SIMILAR_PAGED, {
        id: a.id,
        after: cursor,
        filter: { tagsNone: ['x'] },
      });
      expect(errorCode(filtered)).toBe('BAD_USER_INPUT');
      const byVector = await gateway.gql(SIMILAR_TO_VECTOR_PAGED, {
        modality: 'IMAGE',
        vector: a.imageVector,
        after: cursor,
      });
      expect(errorCode(byVector)).toBe('BAD_USER_INPUT');
      const [payload, mac] = cursor.split('.');
      const forged = Buffer.from(JSON.stringify({ o: 500 })).toString('base64url');
      for (const bad of [`${forged}.${mac}`, `${payload}.${mac!.slice(1)}x`, 'garbage', '']) {
        const response = await gateway.gql(SIMILAR_PAGED, { id: a.id, after: bad });
        expect(errorCode(response), bad).toBe('BAD_USER_INPUT');
      }
      // The same query with another page size accepts it.
      const next = await gateway.gql(SIMILAR_PAGED, { id: a.id, first: 3, after: cursor });
      expect(next.errors).toBeUndefined();
    });
  });

  describe('explanation', () => {
    it('counts the stored tokens shared with the query; with one modality score == cosine', async () => {
      const item = items[4]!;
      const [query] = await gateway.backend.getItems([item.id]);
      const queryTokens = new Set(query!.tokens.IMAGE!);
      const { hits } = await run(SIMILAR_PAGED, { id: item.id, modalities: ['IMAGE'], first: 15 });
      const stored = await gateway.backend.getItems(ids(hits));
      hits.forEach((hit, i) => {
        expect(hit.explanation).toHaveLength(1);
        const [e] = hit.explanation;
        expect(e!.modality).toBe('IMAGE');
        expect(e!.cosine).toBe(hit.score);
        expect(e!.queryTokens).toBe(queryTokens.size);
        const shared = new Set(stored[i]!.tokens.IMAGE!.filter((t) => queryTokens.has(t)));
        expect(e!.sharedTokens).toBe(shared.size);
        expect(e!.sharedTokens).toBeGreaterThan(0);
      });
    });

    it('gives each modality its cosine, the score being their weighted mean', async () => {
      const item = items[9]!;
      const [query] = await gateway.backend.getItems([item.id]);
      const { hits } = await run(SIMILAR_PAGED, {
        id: item.id,
        weights: { image: 3, text: 1 },
        first: 10,
      });
      const stored = await gateway.backend.getItems(ids(hits));
      hits.forEach((hit, i) => {
        const other = byId.get(hit.item.id)!;
        const [image, text] = hit.explanation;
        expect([image!.modality, text!.modality]).toEqual(['IMAGE', 'TEXT']);
        expect(image!.cosine).toBeCloseTo(cosineSimilarity(item.imageVector, other.imageVector), 5);
        expect(text!.cosine).toBeCloseTo(cosineSimilarity(item.textVector, other.textVector), 5);
        expect(hit.score).toBeCloseTo((3 * image!.cosine + text!.cosine) / 4, 5);
        const textTokens = new Set(query!.tokens.TEXT!);
        const shared = stored[i]!.tokens.TEXT!.filter((t) => textTokens.has(t));
        expect(text!.sharedTokens).toBe(new Set(shared).size);
        expect(text!.queryTokens).toBe(textTokens.size);
      });
    });
  });

  describe('similarToVectors', () => {
    it('fuses several modalities as similar(id) does', async () => {
      const item = items[11]!;
      const weights = { image: 2, text: 1 };
      const byVectors = await run(SIMILAR_TO_VECTORS, {
        vectors: { image: item.imageVector, text: item.textVector },
        weights,
        first: 11,
      });
      expect(byVectors.hits[0]!.item.id).toBe(item.id);
      expect(byVectors.hits[0]!.score).toBeCloseTo(1, 4);
      expect(byVectors.modelVersions.map((m) => m.modality)).toEqual(['IMAGE', 'TEXT']);
      const byId = await run(SIMILAR_PAGED, { id: item.id, weights, first: 10 });
      expect(ids(byVectors.hits.slice(1))).toEqual(ids(byId.hits));
      byVectors.hits.slice(1).forEach((hit, i) => {
        expect(hit.score).toBeCloseTo(byId.hits[i]!.score, 5);
      });
    });

    it('answers bad vectors with BAD_USER_INPUT and DIMENSION_MISMATCH', async () => {
      expect(errorCode(await gateway.gql(SIMILAR_TO_VECTORS, { vectors: {} }))).toBe(
        'BAD_USER_INPUT',
      );
      const wrong = await gateway.gql(SIMILAR_TO_VECTORS, {
        vectors: { image: items[0]!.imageVector, text: [1, 2, 3] },
      });
      expect(errorCode(wrong)).toBe('DIMENSION_MISMATCH');
    });
  });

  describe('similarToItems', () => {
    /** Items of one topic and sub-topic. */
    const cluster = (topic: number, subtopic: number) =>
      items.filter((i) => i.topic === topic && i.subtopic === subtopic);

    it('ranks by exact cosine to mean(like) − mean(unlike), never returning a named item', async () => {
      const like = cluster(1, 0).slice(0, 3);
      const unlike = cluster(1, 1).slice(0, 2);
      const named = [...like, ...unlike].map((i) => i.id);
      const { hits } = await run(SIMILAR_TO_ITEMS, {
        like: like.map((i) => i.id),
        unlike: unlike.map((i) => i.id),
        modalities: ['IMAGE'],
        first: 20,
      });
      expect(hits).toHaveLength(20);
      const target = rocchioVector(
        like.map((i) => i.imageVector),
        unlike.map((i) => i.imageVector),
      );
      for (const hit of hits) {
        expect(named).not.toContain(hit.item.id);
        expect(hit.score).toBeCloseTo(
          cosineSimilarity(target, byId.get(hit.item.id)!.imageVector),
          5,
        );
      }
      const scores = hits.map((h) => h.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    });

    it('moves the unliked items’ cluster down the ranking on clustered data', async () => {
      const like = cluster(2, 0).slice(0, 2);
      const near = cluster(2, 1);
      const unlike = near.slice(0, 2);
      const first = 40;
      const positions = async (unlikeIds: string[]) => {
        const { hits } = await run(SIMILAR_TO_ITEMS, {
          like: like.map((i) => i.id),
          unlike: unlikeIds,
          first,
        });
        const rank = new Map(ids(hits).map((id, i) => [id, i]));
        // The rest of the unliked cluster: its position, or past the end when absent.
        return near.slice(2).map((i) => rank.get(i.id) ?? first);
      };
      const before = await positions([]);
      const after = await positions(unlike.map((i) => i.id));
      const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
      expect(before.filter((p) => p < first).length).toBeGreaterThan(0);
      expect(mean(after)).toBeGreaterThan(mean(before));
    });

    it('names unknown ids in NOT_FOUND and limits the list lengths', async () => {
      const response = await gateway.gql(SIMILAR_TO_ITEMS, {
        like: [items[0]!.id, 'nope-1'],
        unlike: ['nope-2'],
      });
      expect(errorCode(response)).toBe('NOT_FOUND');
      expect(response.errors?.[0]?.message).toContain('nope-1');
      expect(response.errors?.[0]?.message).toContain('nope-2');
      expect(response.errors?.[0]?.extensions?.ids).toEqual(['nope-1', 'nope-2']);
      const many = items.slice(0, 21).map((i) => i.id);
      expect(errorCode(await gateway.gql(SIMILAR_TO_ITEMS, { like: many }))).toBe('BAD_USER_INPUT');
      expect(
        errorCode(await gateway.gql(SIMILAR_TO_ITEMS, { like: [items[0]!.id], unlike: many })),
      ).toBe('BAD_USER_INPUT');
      expect(errorCode(await gateway.gql(SIMILAR_TO_ITEMS, { like: [] }))).toBe('BAD_USER_INPUT');
    });
  });
});
