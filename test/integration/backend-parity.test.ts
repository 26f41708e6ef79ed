import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import { MODALITIES, type Modality } from '../../src/domain/modalities.js';
import type { ItemInput } from '../../src/ingest/item-input.js';
import { deserializeModel } from '../../src/lsh/model-serialization.js';
import type { Candidate } from '../../src/search/backend.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { compileSimilarQuery } from '../../src/search/elasticsearch/query-compiler.js';
import type { SimilarPlan } from '../../src/search/query-plan.js';
import {
  SimilarService,
  type SimilarRequest,
  type SimilarResultModel,
  type SimilarToVectorRequest,
} from '../../src/search/similar-service.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

/*
 * One suite, two backends: the same items and the same trained model (trained on the embedded
 * backend, exported from its model store and imported into Elasticsearch's) must give the same
 * answer to every plan kind: the same ids in the same order, scores equal within 1e-6. Items
 * with equal scores may come in either order (a run of equal scores is compared as a set).
 */

const SCORE_TOLERANCE = 1e-6;

interface Hit {
  id: string;
  score: number;
}

/** Splits a ranked list into runs of equal scores (ties). */
function tieRuns(hits: readonly Hit[]): Hit[][] {
  const runs: Hit[][] = [];
  for (const hit of hits) {
    const last = runs.at(-1);
    if (last && Math.abs(last[0]!.score - hit.score) <= SCORE_TOLERANCE) last.push(hit);
    else runs.push([hit]);
  }
  return runs;
}

/**
 * Asserts two ranked lists are the same answer: same length, scores equal position by position,
 * and the same ids per run of tied scores. A run cut off by the end of the list may hold other
 * tied items on each side; it must still be as long on both.
 */
function expectSameRanking(label: string, fromEs: readonly Hit[], fromEmbedded: readonly Hit[]) {
  expect(fromEmbedded.length, `${label}: number of hits`).toBe(fromEs.length);
  fromEs.forEach((hit, i) => {
    const other = fromEmbedded[i]!;
    expect(Math.abs(hit.score - other.score), `${label}: score at ${i}`).toBeLessThanOrEqual(
      SCORE_TOLERANCE,
    );
  });
  let start = 0;
  const runs = tieRuns(fromEs);
  runs.forEach((run, n) => {
    const ids = run.map((h) => h.id).sort();
    const other = fromEmbedded
      .slice(start, start + run.length)
      .map((h) => h.id)
      .sort();
    const cutAtEnd = n === runs.length - 1 && run.length > 1;
    if (!cutAtEnd)
      expect(other, `${label}: ids at ${start}..${start + run.length - 1}`).toEqual(ids);
    start += run.length;
  });
}

const hitsOf = (result: SimilarResultModel): Hit[] =>
  result.hits.map((h) => ({ id: h.item.id, score: h.score }));

/** Runs of token-match scores equal up to Lucene's 32-bit float rounding. */
function floatRuns(hits: readonly Hit[]): Hit[][] {
  const runs: Hit[][] = [];
  for (const hit of hits) {
    const last = runs.at(-1);
    const previous = last?.at(-1);
    if (last && previous && Math.abs(previous.score - hit.score) <= 1e-5 * previous.score) {
      last.push(hit);
    } else {
      runs.push([hit]);
    }
  }
  return runs;
}

const candidateHits = (candidates: readonly Candidate[]): Hit[] =>
  candidates.map((c) => ({ id: c.item.id, score: c.exactScore ?? Number.NaN }));

/** 300 items with both vectors, 30 with an image only, 30 with a text only, 3 exact copies. */
function collection(): ItemInput[] {
  const base = generateSyntheticItems({
    count: 360,
    seed: 23,
    imageDim: 32,
    textDim: 24,
    topics: 6,
    subtopics: 4,
    noise: 0.9,
  }).map(toItemInput);
  const items = base.map((item, i): ItemInput => {
    if (i % 12 === 5) return { ...item, textVector: null };
    if (i % 12 === 7) return { ...item, imageVector: null };
    return item;
  });
  // Exact copies tie with their original in every ranking.
  for (const i of [0, 1, 2]) items.push({ ...base[i]!, id: `${base[i]!.id}-copy` });
  return items;
}

describe('the embedded and Elasticsearch backends answer every plan kind the same', () => {
  let es: Gateway;
  let embedded: Gateway;
  const items = collection();
  const [first, late] = [items.slice(0, 320), items.slice(320)];
  /** Plans each backend ran, to prove which plan kinds a case used. */
  const plans = new Map<Gateway, SimilarPlan[]>();

  const watch = (gateway: Gateway) => {
    const seen: SimilarPlan[] = [];
    plans.set(gateway, seen);
    const execute = gateway.backend.executeSimilar.bind(gateway.backend);
    gateway.backend.executeSimilar = async (plan) => {
      seen.push(structuredClone(plan));
      return execute(plan);
    };
  };

  beforeAll(async () => {
    [es, embedded] = await Promise.all([
      startGateway({ backend: 'elasticsearch' }),
      startGateway({ backend: 'embedded' }),
    ]);
    for (const gateway of [es, embedded]) {
      const outcome = await gateway.services.ingest.ingest(first);
      expect(outcome.failed).toEqual([]);
    }
    // Train on the embedded backend; export each model and import it into Elasticsearch.
    for (const modality of MODALITIES) {
      const trained = await embedded.services.training.train({
        modality,
        subspaces: 8,
        clusters: 12,
      });
      const exported = await embedded.backend.models.get(modality, trained.version);
      expect(exported).not.toBeNull();
      const imported = await es.services.registry.publish(
        modality,
        deserializeModel(exported!.model),
      );
      expect(imported.version).toBe(trained.version);
      await es.services.training.activate(modality, imported.version);
      const copy = await es.backend.models.get(modality, imported.version);
      expect(copy?.model).toEqual(exported!.model);
    }
    // Items ingested after training are hashed on the way in.
    for (const gateway of [es, embedded]) {
      const outcome = await gateway.services.ingest.ingest(late);
      expect(outcome.failed).toEqual([]);
      await gateway.backend.refresh();
    }
    watch(es);
    watch(embedded);
  }, 300_000);
  afterAll(async () => {
    await es?.close();
    await embedded?.close();
  });

  /** Runs a request on both backends; returns both answers and the plans each ran. */
  async function both<T>(run: (gateway: Gateway) => Promise<T>) {
    plans.get(es)!.length = 0;
    plans.get(embedded)!.length = 0;
    const fromEs = await run(es);
    const fromEmbedded = await run(embedded);
    return { fromEs, fromEmbedded, plans: [...plans.get(es)!] };
  }

  async function compareSimilar(request: SimilarRequest) {
    const answer = await both((g) => g.services.similar.similar(request));
    const label = JSON.stringify(request);
    expect(answer.fromEmbedded.modelVersions, label).toEqual(answer.fromEs.modelVersions);
    expectSameRanking(label, hitsOf(answer.fromEs), hitsOf(answer.fromEmbedded));
    return answer;
  }

  async function compareByVector(request: SimilarToVectorRequest) {
    const answer = await both((g) => g.services.similar.similarToVector(request));
    const label = `${request.modality} vector, filter ${request.textFilter ?? 'none'}`;
    expect(answer.fromEmbedded.modelVersions, label).toEqual(answer.fromEs.modelVersions);
    expectSameRanking(label, hitsOf(answer.fromEs), hitsOf(answer.fromEmbedded));
    return answer;
  }

  const withBoth = items.filter((i) => i.imageVector && i.textVector);
  const imageOnly = items.filter((i) => i.imageVector && !i.textVector);
  const textOnly = items.filter((i) => !i.imageVector && i.textVector);
  const queries = withBoth.filter((_, i) => i % 23 === 0);

  it('stores the same items and the same active model versions', async () => {
    expect(await es.backend.countItems()).toBe(items.length);
    expect(await embedded.backend.countItems()).toBe(items.length);
    expect(await es.backend.generation().then((g) => g.versions)).toEqual(
      await embedded.backend.generation().then((g) => g.versions),
    );
    const ids = items.map((i) => i.id);
    const [a, b] = [await es.backend.getItems(ids), await embedded.backend.getItems(ids)];
    expect(a).toEqual(b);
  });

  it('similar by id, one modality', async () => {
    for (const item of queries) {
      for (const modality of MODALITIES) {
        const { fromEs, plans: ran } = await compareSimilar({
          id: item.id,
          modalities: [modality],
          first: 15,
        });
        expect(fromEs.hits).toHaveLength(15);
        expect(ran.every((p) => p.clauses.length === 1)).toBe(true);
      }
    }
  });

  it('similar by id, both modalities, equal and unequal weights', async () => {
    for (const item of queries) {
      for (const weights of [null, { IMAGE: 3, TEXT: 1 }, { IMAGE: 0.2, TEXT: 5 }]) {
        const { fromEs, plans: ran } = await compareSimilar({ id: item.id, first: 20, weights });
        expect(fromEs.modelVersions.map((v) => v.modality).sort()).toEqual(['IMAGE', 'TEXT']);
        expect(ran[0]!.clauses.map((c) => c.modality).sort()).toEqual(['IMAGE', 'TEXT']);
      }
    }
  });

  it('similar by id with a text filter', async () => {
    for (const item of queries) {
      const word = item.title!.split(' ')[0]!;
      const { fromEs } = await compareSimilar({ id: item.id, textFilter: word, first: 10 });
      expect(fromEs.hits.length).toBeGreaterThan(0);
    }
  });

  it('falls back to the filter-only plan the same way when few token matches pass the filter', async () => {
    // A word of another topic's title: few items sharing the query's tokens have it.
    let fallbacks = 0;
    for (const item of queries) {
      const other = withBoth.find((i) => i.title!.split(' ')[0] !== item.title!.split(' ')[0])!;
      const word = other.title!.split(' ')[0]!;
      for (const modalities of [['IMAGE'], ['TEXT'], null] as (Modality[] | null)[]) {
        const { fromEs, plans: ran } = await compareSimilar({
          id: item.id,
          textFilter: word,
          modalities,
          first: 30,
        });
        expect(fromEs.hits).toHaveLength(30);
        if (ran.some((p) => p.clauses.length === 0)) fallbacks++;
      }
    }
    expect(fallbacks).toBeGreaterThan(queries.length);
  });

  it('similar by id from an item missing a modality, and hits missing one', async () => {
    for (const item of [...imageOnly.slice(0, 4), ...textOnly.slice(0, 4)]) {
      const { fromEs } = await compareSimilar({ id: item.id, first: 15 });
      expect(fromEs.modelVersions).toHaveLength(1);
    }
    // Both modalities asked: items lacking one score a cosine of 0 there, on both backends.
    let lacking = 0;
    const partial = new Set([...imageOnly, ...textOnly].map((i) => i.id));
    for (const item of queries) {
      const { fromEs } = await compareSimilar({ id: item.id, first: 60 });
      lacking += fromEs.hits.filter((h) => partial.has(h.item.id)).length;
    }
    expect(lacking).toBeGreaterThan(0);
  });

  it('ranks exact copies as ties and never returns the query item', async () => {
    const original = items[0]!;
    const { fromEs, fromEmbedded } = await compareSimilar({ id: original.id, first: 5 });
    for (const answer of [fromEs, fromEmbedded]) {
      expect(answer.hits[0]!.item.id).toBe(`${original.id}-copy`);
      expect(answer.hits[0]!.score).toBeCloseTo(1, 5);
      expect(answer.hits.map((h) => h.item.id)).not.toContain(original.id);
    }
  });

  it('similarToVector, with and without a text filter', async () => {
    for (const item of queries) {
      for (const modality of MODALITIES) {
        const vector = (modality === 'IMAGE' ? item.imageVector : item.textVector)!;
        // A vector near the item's, not a stored one.
        const query = vector.map((x, i) => x + ((i % 3) - 1) * 0.05);
        const { fromEs } = await compareByVector({ modality, vector: query, first: 12 });
        expect(fromEs.hits).toHaveLength(12);
        const word = item.title!.split(' ')[0]!;
        await compareByVector({ modality, vector: query, first: 12, textFilter: word });
      }
    }
  });

  it('without exact ranking or with a document-frequency cap, returns the same token matches', async () => {
    // Lucene's BM25 statistics (document frequency, documents with the field) count deleted
    // documents until a merge drops them, and every overwrite leaves one (an activation writes
    // each item once, but items ingested again do too): there Elasticsearch's token-match scores
    // may differ from the embedded backend's (exact ranking is unaffected). Token-match order is
    // compared on generations never overwritten: both models imported before any item is written,
    // every item hashed as it is ingested.
    const [esFresh, embeddedFresh] = await Promise.all([
      startGateway({ backend: 'elasticsearch' }),
      startGateway({ backend: 'embedded' }),
    ]);
    try {
      for (const gateway of [esFresh, embeddedFresh]) {
        for (const modality of MODALITIES) {
          const exported = await embedded.backend.models.get(modality, 1);
          const imported = await gateway.services.registry.publish(
            modality,
            deserializeModel(exported!.model),
          );
          await gateway.services.training.activate(modality, imported.version);
        }
        for (let i = 0; i < items.length; i += 100) {
          const outcome = await gateway.services.ingest.ingest(items.slice(i, i + 100));
          expect(outcome.failed).toEqual([]);
        }
        await gateway.backend.refresh();
      }
      watch(esFresh);
      const backend = esFresh.backend as ElasticsearchBackend;
      const [indexStats] = await backend.client.cat.indices({
        index: backend.itemsAlias,
        format: 'json',
      });
      expect(indexStats?.['docs.deleted']).toBe('0');
      // Rerank depth 0: the hits keep the backends' own token-match (BM25) order.
      const unranked = (g: Gateway) =>
        new SimilarService(g.backend, g.services.registry, {
          maxFirst: g.config.LSHQL_MAX_FIRST,
          rerankDepth: 0,
          probes: 1,
          maxTextFilterLength: 1000,
          filterFallbackLimit: 1000,
          mlt: {},
        });
      const [fromEsService, fromEmbeddedService] = [unranked(esFresh), unranked(embeddedFresh)];
      // A document-frequency cap (LSHQL_MLT_MAX_DOC_FREQ) drops the same tokens on both, so the
      // ranked answers agree too.
      const capped = (g: Gateway) =>
        new SimilarService(g.backend, g.services.registry, {
          maxFirst: g.config.LSHQL_MAX_FIRST,
          rerankDepth: 10_000,
          probes: 1,
          maxTextFilterLength: 1000,
          filterFallbackLimit: 1000,
          mlt: { maxDocFreq: 40 },
        });
      for (const item of queries) {
        const request = { id: item.id, first: 30 };
        const [a, b] = [
          await capped(esFresh).similar(request),
          await capped(embeddedFresh).similar(request),
        ];
        expectSameRanking(`max_doc_freq 40 ${item.id}`, hitsOf(a), hitsOf(b));
      }
      for (const item of queries) {
        for (const request of [
          { id: item.id, modalities: ['IMAGE'] as Modality[], first: 20 },
          { id: item.id, modalities: ['TEXT'] as Modality[], first: 20 },
          { id: item.id, first: 20 },
        ]) {
          plans.get(esFresh)!.length = 0;
          const a = await fromEsService.similar(request);
          const b = await fromEmbeddedService.similar(request);
          const label = JSON.stringify(request);
          // Elasticsearch's token-match scores of the same plan: runs of scores equal up to its
          // 32-bit float rounding may come in either order.
          const [plan] = plans.get(esFresh)!;
          const raw = await backend.client.search({
            index: backend.itemsAlias,
            ...compileSimilarQuery(plan!, backend.itemsAlias),
            _source: false,
          });
          // The plan asks for one hit more than the page, to tell whether a next page exists.
          expect(a.hits, label).toHaveLength(request.first);
          const tokenHits = raw.hits.hits
            .slice(0, request.first)
            .map((h) => ({ id: h._id!, score: h._score! }));
          expect(
            a.hits.map((h) => h.item.id),
            label,
          ).toEqual(tokenHits.map((h) => h.id));
          let start = 0;
          for (const run of floatRuns(tokenHits)) {
            const ids = run.map((h) => h.id).sort();
            const other = b.hits
              .slice(start, start + run.length)
              .map((h) => h.item.id)
              .sort();
            expect(other, `${label}: hits ${start}..${start + run.length - 1}`).toEqual(ids);
            start += run.length;
          }
          expect(b.hits).toHaveLength(a.hits.length);
          const cosines = new Map(b.hits.map((h) => [h.item.id, h.score]));
          for (const hit of a.hits) {
            expect(Math.abs(hit.score - cosines.get(hit.item.id)!), label).toBeLessThanOrEqual(
              SCORE_TOLERANCE,
            );
          }
        }
      }
    } finally {
      await esFresh.close();
      await embeddedFresh.close();
    }
  }, 120_000);

  it('runs filter-only plans alike, ranked and unranked', async () => {
    const word = items[10]!.title!.split(' ')[0]!;
    for (const vectorsFor of [['IMAGE'], ['TEXT'], ['IMAGE', 'TEXT']] as Modality[][]) {
      const base: SimilarPlan = {
        clauses: [],
        textFilter: word,
        excludeIds: [items[10]!.id],
        candidates: 1000,
        mlt: { minTermFreq: 1, minDocFreq: 1, maxQueryTerms: 8, minimumShouldMatch: '1' },
        vectorsFor,
      };
      const unranked = await both((g) => g.backend.executeSimilar(base));
      const ids = (cs: Candidate[]) => cs.map((c) => c.item.id).sort();
      expect(ids(unranked.fromEmbedded)).toEqual(ids(unranked.fromEs));
      expect(unranked.fromEs.length).toBeGreaterThan(10);
      const queries = vectorsFor.map((m, i) => ({
        modality: m,
        vector: (m === 'IMAGE' ? items[10]!.imageVector : items[10]!.textVector)!,
        weight: i + 1,
      }));
      const ranked = await both((g) =>
        g.backend.executeSimilar({ ...base, rank: { queries, size: 25 } }),
      );
      expectSameRanking(
        `filter-only ${vectorsFor.join('+')}`,
        candidateHits(ranked.fromEs),
        candidateHits(ranked.fromEmbedded),
      );
      expect(ranked.fromEs).toHaveLength(25);
    }
  });
});
