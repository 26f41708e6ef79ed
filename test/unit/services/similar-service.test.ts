import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/domain/errors.js';
import type { ItemInput } from '../../../src/ingest/item-input.js';
import { ModelRegistry } from '../../../src/models/model-registry.js';
import { ModelTrainingService } from '../../../src/models/training-service.js';
import { cosineSimilarity } from '../../../src/lsh/vector-math.js';
import type { SimilarPlan } from '../../../src/search/query-plan.js';
import { SimilarService } from '../../../src/search/similar-service.js';
import {
  IMAGE_DIM,
  SIMILAR_OPTIONS,
  TRAINING_DEFAULTS,
  collection,
  rejectsWith,
  stack,
  trainedStack,
  type Stack,
} from './helpers.js';

const items = collection();
const byId = new Map(items.map((item) => [item.id, item]));
const imageOf = (id: string) => byId.get(id)!.imageVector!;
const textOf = (id: string) => byId.get(id)!.textVector!;

/** Records the plans the backend runs. */
function watchPlans(s: Stack): SimilarPlan[] {
  const plans: SimilarPlan[] = [];
  const execute = s.backend.executeSimilar.bind(s.backend);
  s.backend.executeSimilar = async (plan) => {
    plans.push(structuredClone(plan));
    return execute(plan);
  };
  return plans;
}

/**
 * What a result ranks: hits (item, score) and model versions, without the cursor (keyed by the
 * request's arguments as given) and the hits' explanation loaders (functions).
 */
function ranking(result: Awaited<ReturnType<SimilarService['similar']>>) {
  return {
    hits: result.hits.map((hit) => ({ item: hit.item, score: hit.score })),
    modelVersions: result.modelVersions,
  };
}

describe('SimilarService', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await trainedStack(items);
  });

  it('never returns the query item, even among exact copies', async () => {
    const copy: ItemInput = { ...byId.get('item-000')!, id: 'copy-of-000' };
    const local = await trainedStack([...items, copy]);
    for (const id of ['item-000', 'copy-of-000', 'item-001', 'item-050']) {
      const result = await local.similar.similar({ id, first: 20 });
      expect(result.hits).toHaveLength(20);
      expect(result.hits.map((h) => h.item.id)).not.toContain(id);
    }
    const fromOriginal = await local.similar.similar({ id: 'item-000', first: 1 });
    expect(fromOriginal.hits[0]!.item.id).toBe('copy-of-000');
    expect(fromOriginal.hits[0]!.score).toBeCloseTo(1, 9);
  });

  it('returns `first` hits, best first, scored by the mean cosine of the asked modalities', async () => {
    const result = await s.similar.similar({ id: 'item-007', first: 10 });
    expect(result.hits).toHaveLength(10);
    expect(result.modelVersions).toEqual([
      { modality: 'IMAGE', version: 1 },
      { modality: 'TEXT', version: 1 },
    ]);
    const scores = result.hits.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const hit of result.hits) {
      const expected =
        (cosineSimilarity(imageOf('item-007'), imageOf(hit.item.id)) +
          cosineSimilarity(textOf('item-007'), textOf(hit.item.id))) /
        2;
      expect(hit.score).toBeCloseTo(expected, 9);
    }
  });

  it('normalises weights: only their ratio counts, all zero means equal', async () => {
    const score = (id: string, other: string, wi: number, wt: number) =>
      (wi * cosineSimilarity(imageOf(id), imageOf(other)) +
        wt * cosineSimilarity(textOf(id), textOf(other))) /
      (wi + wt);
    const a = await s.similar.similar({
      id: 'item-003',
      first: 15,
      weights: { IMAGE: 3, TEXT: 1 },
    });
    const b = await s.similar.similar({
      id: 'item-003',
      first: 15,
      weights: { IMAGE: 6, TEXT: 2 },
    });
    // The same ranking; cursors are keyed by the arguments as given, so they differ.
    expect(ranking(b)).toEqual(ranking(a));
    for (const hit of a.hits)
      expect(hit.score).toBeCloseTo(score('item-003', hit.item.id, 3, 1), 9);
    const zero = await s.similar.similar({
      id: 'item-003',
      first: 15,
      weights: { IMAGE: 0, TEXT: 0 },
    });
    const none = await s.similar.similar({ id: 'item-003', first: 15 });
    expect(ranking(zero)).toEqual(ranking(none));
    // A zero weight leaves the other modality alone in the score.
    const textOnly = await s.similar.similar({
      id: 'item-003',
      first: 15,
      weights: { IMAGE: 0, TEXT: 1 },
    });
    for (const hit of textOnly.hits) {
      expect(hit.score).toBeCloseTo(cosineSimilarity(textOf('item-003'), textOf(hit.item.id)), 9);
    }
    expect(textOnly.hits.map((h) => h.item.id)).not.toEqual(a.hits.map((h) => h.item.id));
  });

  it('refuses weights that are negative, too large or not finite', async () => {
    for (const weight of [-1, 1_000_001, Number.POSITIVE_INFINITY, Number.NaN]) {
      await rejectsWith(
        s.similar.similar({ id: 'item-003', weights: { IMAGE: weight, TEXT: 1 } }),
        ErrorCode.BAD_USER_INPUT,
      );
    }
  });

  it('uses only the asked modalities', async () => {
    const plans = watchPlans(s);
    const result = await s.similar.similar({ id: 'item-010', modalities: ['TEXT'], first: 10 });
    expect(result.modelVersions).toEqual([{ modality: 'TEXT', version: 1 }]);
    for (const hit of result.hits) {
      expect(hit.score).toBeCloseTo(cosineSimilarity(textOf('item-010'), textOf(hit.item.id)), 9);
    }
    expect(plans.at(-1)!.clauses.map((c) => c.modality)).toEqual(['TEXT']);
    expect(plans.at(-1)!.excludeIds).toEqual(['item-010']);
  });

  it('answers NOT_FOUND, BAD_USER_INPUT for a bad `first`, a missing modality, a long filter', async () => {
    await rejectsWith(s.similar.similar({ id: 'no-such-item' }), ErrorCode.NOT_FOUND);
    for (const first of [0, -1, 1.5, SIMILAR_OPTIONS.maxFirst + 1]) {
      await rejectsWith(s.similar.similar({ id: 'item-001', first }), ErrorCode.BAD_USER_INPUT);
      await rejectsWith(
        s.similar.similarToVector({ modality: 'IMAGE', vector: imageOf('item-001'), first }),
        ErrorCode.BAD_USER_INPUT,
      );
    }
    await rejectsWith(
      s.similar.similar({ id: 'item-001', textFilter: 'x'.repeat(101) }),
      ErrorCode.BAD_USER_INPUT,
    );
    const local = await stack();
    await local.ingest.ingest([{ id: 'image-only', imageVector: imageOf('item-001') }]);
    const error = await rejectsWith(
      local.similar.similar({ id: 'image-only', modalities: ['TEXT'] }),
      ErrorCode.BAD_USER_INPUT,
    );
    expect(error.message).toMatch(/IMAGE/);
  });

  it('treats a blank or control-character text filter as none', async () => {
    const none = await s.similar.similar({ id: 'item-020', first: 10 });
    for (const textFilter of ['', '   ', '\u0000\u0007\n']) {
      const filtered = await s.similar.similar({ id: 'item-020', first: 10, textFilter });
      expect(ranking(filtered)).toEqual(ranking(none));
    }
  });

  it('validates the vector of similarToVector: DIMENSION_MISMATCH, non-finite values', async () => {
    const error = await rejectsWith(
      s.similar.similarToVector({ modality: 'IMAGE', vector: [1, 2, 3] }),
      ErrorCode.DIMENSION_MISMATCH,
    );
    expect(error.message).toContain(String(IMAGE_DIM));
    const withNaN = [...imageOf('item-001')];
    withNaN[2] = Number.NaN;
    await rejectsWith(
      s.similar.similarToVector({ modality: 'IMAGE', vector: withNaN }),
      ErrorCode.BAD_USER_INPUT,
    );
    await rejectsWith(
      s.similar.similarToVector({ modality: 'IMAGE', vector: [] }),
      ErrorCode.BAD_USER_INPUT,
    );
  });

  it('similarToVector finds the item whose vector it is first, by its model version', async () => {
    const result = await s.similar.similarToVector({
      modality: 'IMAGE',
      vector: imageOf('item-030'),
      first: 5,
    });
    expect(result.hits[0]!.item.id).toBe('item-030');
    expect(result.hits[0]!.score).toBeCloseTo(1, 9);
    expect(result.modelVersions).toEqual([{ modality: 'IMAGE', version: 1 }]);
  });

  it('answers MODEL_NOT_TRAINED while no model is trained', async () => {
    const local = await stack();
    const outcome = await local.ingest.ingest(items.slice(0, 20));
    expect(outcome.indexed).toBe(20);
    const error = await rejectsWith(
      local.similar.similar({ id: 'item-001' }),
      ErrorCode.MODEL_NOT_TRAINED,
    );
    expect(error.details).toEqual({ modality: 'IMAGE' });
    await rejectsWith(
      local.similar.similarToVector({ modality: 'TEXT', vector: textOf('item-001') }),
      ErrorCode.MODEL_NOT_TRAINED,
    );
    // Once IMAGE is trained, IMAGE answers and TEXT still does not.
    await local.training.train({ modality: 'IMAGE', clusters: 4 });
    const imageAnswer = await local.similar.similar({ id: 'item-001', modalities: ['IMAGE'] });
    expect(imageAnswer.hits.length).toBeGreaterThan(0);
    expect(imageAnswer.modelVersions).toEqual([{ modality: 'IMAGE', version: 1 }]);
    await rejectsWith(
      local.similar.similar({ id: 'item-001', modalities: ['TEXT'] }),
      ErrorCode.MODEL_NOT_TRAINED,
    );
  });

  it('falls back to the filter’s own matches when few token matches pass the filter', async () => {
    // Every query token required: few items match the tokens, fewer still pass the filter.
    const strict = new SimilarService(s.backend, s.registry, {
      ...SIMILAR_OPTIONS,
      mlt: { minimumShouldMatch: '100%' },
    });
    const plans = watchPlans(s);
    // A word of one topic's titles, asked from an item of another topic.
    const word = byId.get('item-000')!.title!.split(' ')[0]!;
    const matching = items.filter((i) => i.title!.split(' ')[0] === word);
    const query = items.find((i) => i.title!.split(' ')[0] !== word)!;
    const first = Math.min(20, matching.length);
    const result = await strict.similar({
      id: query.id,
      modalities: ['IMAGE'],
      textFilter: word,
      first,
    });
    expect(result.hits).toHaveLength(first);
    // Exactly the filter's best `first` by cosine.
    const exact = matching
      .map((i) => ({ id: i.id, score: cosineSimilarity(query.imageVector!, i.imageVector!) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, first)
      .map((e) => e.id);
    expect(result.hits.map((h) => h.item.id)).toEqual(exact);
    expect(plans).toHaveLength(2);
    expect(plans[1]!.clauses).toEqual([]);
    expect(plans[1]!.textFilter).toBe(word);
    expect(plans[1]!.excludeIds[0]).toBe(query.id);
  });

  it('without exact ranking, keeps the token order and scores each hit by its cosine', async () => {
    const local = new SimilarService(s.backend, s.registry, { ...SIMILAR_OPTIONS, rerankDepth: 0 });
    const plans = watchPlans(s);
    const result = await local.similar({ id: 'item-011', modalities: ['IMAGE'], first: 10 });
    expect(plans.at(-1)!.rank).toBeUndefined();
    expect(result.hits).toHaveLength(10);
    for (const hit of result.hits) {
      expect(hit.score).toBeCloseTo(cosineSimilarity(imageOf('item-011'), imageOf(hit.item.id)), 9);
    }
  });

  it('hashes again with the current model when another instance activated a newer one', async () => {
    const local = await trainedStack(items);
    // This instance caches version 1 for long; another one trains version 2 meanwhile.
    const stale = new ModelRegistry(local.backend, { refreshMs: 3_600_000 });
    const service = new SimilarService(local.backend, stale, SIMILAR_OPTIONS);
    expect((await stale.active('IMAGE'))!.record.version).toBe(1);
    const other = new ModelTrainingService(
      local.backend,
      new ModelRegistry(local.backend, { refreshMs: 0 }),
      { ...TRAINING_DEFAULTS, seed: 7 },
    );
    expect((await other.train({ modality: 'IMAGE', clusters: 6 })).version).toBe(2);
    const plans = watchPlans(local);
    const result = await service.similarToVector({
      modality: 'IMAGE',
      vector: imageOf('item-002'),
    });
    expect(result.modelVersions).toEqual([{ modality: 'IMAGE', version: 2 }]);
    expect(result.hits[0]!.item.id).toBe('item-002');
    // The first try used version 1's tokens; the answer is version 2's.
    expect(plans.length).toBeGreaterThanOrEqual(2);
    const v2 = await stale.load('IMAGE', 2);
    expect(plans.at(-1)!.clauses[0]!.tokens).toEqual(v2.hasher.hashOne(imageOf('item-002')));
  });
});
