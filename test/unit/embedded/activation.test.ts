import { beforeEach, describe, expect, it } from 'vitest';
import type { Modality } from '../../../src/domain/modalities.js';
import type { VectorRow } from '../../../src/search/backend.js';
import { item, plan, tokensClause, useBackend } from './helpers.js';

describe('EmbeddedBackend scanVectors and activateModel', () => {
  const t = useBackend();

  const collect = async (modality: Modality, options: { batchSize: number }) => {
    const batches: VectorRow[][] = [];
    for await (const rows of t.backend.scanVectors(modality, options)) batches.push(rows);
    return batches;
  };
  // A stand-in for a model: one token naming the vector's first value.
  const hashByFirstValue = async (vectors: readonly (readonly number[])[]) =>
    vectors.map((v) => [`0-${v[0]}`]);

  beforeEach(async () => {
    await t.backend.putItems([
      item('d', { imageVector: [4, 4] }),
      item('b', { image: ['0-1'], imageVector: [2, 2], version: 1 }),
      item('a', { image: ['0-1'], imageVector: [1, 1], version: 2 }),
      item('c', { imageVector: [3, 3], textVector: [3] }),
      item('e', { textVector: [5] }),
    ]);
  });

  it('yields batches in id order', async () => {
    const batches = await collect('IMAGE', { batchSize: 3 });
    expect(batches.map((rows) => rows.map((r) => r.id))).toEqual([['a', 'b', 'c'], ['d']]);
    expect(batches[0]?.[2]?.vector).toEqual([3, 3]);
    expect((await collect('TEXT', { batchSize: 10 })).flat().map((r) => r.id)).toEqual(['c', 'e']);
  });

  it('re-hashes every item of the modality and activates the version in one step', async () => {
    expect((await t.backend.generation()).versions).toEqual({});
    const progress: number[] = [];
    const rehashed = await t.backend.activateModel('IMAGE', 3, hashByFirstValue, {
      onProgress: (n) => progress.push(n),
    });
    expect(rehashed).toBe(4);
    expect(progress.at(-1)).toBe(4);
    expect((await t.backend.generation()).versions).toEqual({ IMAGE: 3 });
    const stored = await t.backend.getItems(['a', 'b', 'c', 'd', 'e']);
    expect(stored.map((s) => [s?.tokens.IMAGE, s?.modelVersions.IMAGE])).toEqual([
      [['0-1'], 3],
      [['0-2'], 3],
      [['0-3'], 3],
      [['0-4'], 3],
      [undefined, undefined],
    ]);
    expect(await t.ids(plan([tokensClause(['0-3'])]))).toEqual(['c']);
    expect(await t.ids(plan([tokensClause(['0-1'])]))).toEqual(['a']);
  });

  it('hashes items written during the activation with the new model too', async () => {
    const activation = t.backend.activateModel('IMAGE', 4, hashByFirstValue);
    // Written while the activation yields: hashed by the old model (none here).
    await t.backend.putItems([
      item('f', { imageVector: [6, 6] }),
      item('a', { imageVector: [7, 7] }),
    ]);
    await activation;
    const [f, a] = await t.backend.getItems(['f', 'a']);
    expect(f).toMatchObject({ tokens: { IMAGE: ['0-6'] }, modelVersions: { IMAGE: 4 } });
    expect(a).toMatchObject({ tokens: { IMAGE: ['0-7'] }, modelVersions: { IMAGE: 4 } });
  });

  it('afterwards breaks ties in id order, as the copy into a new Elasticsearch generation does', async () => {
    await t.backend.putItems([
      item('y', { imageVector: [1, 0], textVector: [1] }),
      item('x', { imageVector: [1, 0], textVector: [1] }),
    ]);
    const filterOnlyText = plan([], { vectorsFor: ['TEXT'] });
    expect(await t.ids(filterOnlyText)).toEqual(['c', 'e', 'y', 'x']);
    await t.backend.activateModel('IMAGE', 5, hashByFirstValue);
    // Every item is rewritten, also those without the re-hashed modality.
    expect(await t.ids(filterOnlyText)).toEqual(['c', 'e', 'x', 'y']);
    expect(await t.ids(plan([tokensClause(['0-1'])]))).toEqual(['a', 'x', 'y']);
  });
});
