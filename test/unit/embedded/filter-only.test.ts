import { beforeEach, describe, expect, it } from 'vitest';
import type { SimilarPlan } from '../../../src/search/query-plan.js';
import { item, plan, useBackend } from './helpers.js';

// A plan without token clauses (the text-filter fallback) means what `withVectorsOf` makes it
// mean on Elasticsearch: every item passing the filter and the exclusions whose modalities
// include one of `vectorsFor`, unscored (so in write order).
describe('EmbeddedBackend filter-only plan', () => {
  const t = useBackend();
  const filterOnly = (extra: Partial<SimilarPlan>) => plan([], extra);

  beforeEach(async () => {
    await t.backend.putItems([
      item('red-image', { title: 'Red', image: ['0-1'], imageVector: [1, 0] }),
      item('red-text', { title: 'red', textTokens: ['0-2'] }),
      // Not hashed yet: its vector counts, as in the Elasticsearch document's `modalities`.
      item('red-unhashed', { text: 'red', imageVector: [0, 1] }),
      item('red-no-vector', { title: 'red' }),
      item('blue-image', { title: 'Blue', image: ['0-1'], imageVector: [1, 1] }),
      item('red-both', { title: 'red', image: ['0-3'], textTokens: ['0-4'] }),
    ]);
  });

  it('returns the text matches with a vector of an asked modality, in write order', async () => {
    expect(await t.ids(filterOnly({ textFilter: 'red', vectorsFor: ['IMAGE'] }))).toEqual([
      'red-image',
      'red-unhashed',
      'red-both',
    ]);
    expect(await t.ids(filterOnly({ textFilter: 'red', vectorsFor: ['TEXT'] }))).toEqual([
      'red-text',
      'red-both',
    ]);
    expect(await t.ids(filterOnly({ textFilter: 'red', vectorsFor: ['IMAGE', 'TEXT'] }))).toEqual([
      'red-image',
      'red-text',
      'red-unhashed',
      'red-both',
    ]);
  });

  it('without a text filter, returns every item with a vector of an asked modality', async () => {
    expect(await t.ids(filterOnly({ vectorsFor: ['IMAGE'] }))).toEqual([
      'red-image',
      'red-unhashed',
      'blue-image',
      'red-both',
    ]);
  });

  it('asking for no modality finds nothing, as an empty `terms` filter does', async () => {
    expect(await t.ids(filterOnly({ textFilter: 'red', vectorsFor: [] }))).toEqual([]);
    expect(await t.ids(filterOnly({ vectorsFor: [] }))).toEqual([]);
  });

  it('leaves out excluded ids and keeps at most `candidates`, carrying the asked vectors', async () => {
    const hits = await t.backend.executeSimilar(
      filterOnly({
        textFilter: 'red',
        vectorsFor: ['IMAGE'],
        excludeIds: ['red-image'],
        candidates: 1,
      }),
    );
    expect(hits.map((c) => [c.item.id, c.vectors])).toEqual([['red-unhashed', { IMAGE: [0, 1] }]]);
    // Written again, an item goes last.
    await t.backend.putItems([item('red-unhashed', { text: 'red', imageVector: [0, 1] })]);
    expect(
      await t.ids(filterOnly({ textFilter: 'red', vectorsFor: ['IMAGE'], candidates: 2 })),
    ).toEqual(['red-image', 'red-both']);
  });

  it('ranks every filter match exactly when the plan ranks', async () => {
    const ranked = await t.backend.executeSimilar(
      filterOnly({
        vectorsFor: ['IMAGE'],
        rank: { queries: [{ modality: 'IMAGE', vector: [1, 1], weight: 1 }], size: 3 },
      }),
    );
    // Cosines to [1, 1]: blue-image 1, then red-image, red-unhashed and red-both (all ~0.707,
    // in write order); the size cuts the last.
    expect(ranked.map((c) => c.item.id)).toEqual(['blue-image', 'red-image', 'red-unhashed']);
    expect(ranked[0]!.exactScore).toBeCloseTo(1, 10);
  });

  it('finds nothing when no item matches the text filter', async () => {
    expect(await t.ids(filterOnly({ textFilter: 'unicorn', vectorsFor: ['IMAGE'] }))).toEqual([]);
  });
});
