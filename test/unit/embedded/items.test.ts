import { describe, expect, it } from 'vitest';
import { item, plan, tokensClause, useBackend } from './helpers.js';

describe('EmbeddedBackend items', () => {
  const t = useBackend();

  it('puts, gets (in order, null where unknown), replaces and deletes items', async () => {
    const results = await t.backend.putItems([
      item('a', { title: 'Alpha', image: ['0-1', '1-2'] }),
      item('b', { title: 'Beta', image: ['0-1', '1-3'] }),
    ]);
    expect(results).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(await t.backend.countItems()).toBe(2);

    const [b, missing, a] = await t.backend.getItems(['b', 'nope', 'a']);
    expect(missing).toBeNull();
    expect(a).toMatchObject({ id: 'a', title: 'Alpha', tokens: { IMAGE: ['0-1', '1-2'] } });
    expect(b?.modelVersions).toEqual({ IMAGE: 1 });
    // Vectors only when asked for.
    expect(a?.vectors).toEqual({});
    const [withVectors] = await t.backend.getItems(['a'], { withVectors: true });
    expect(withVectors?.vectors).toEqual({ IMAGE: [1, 0] });

    // Replacing: the old tokens and title no longer match, the new ones do.
    await t.backend.putItems([item('a', { title: 'Gamma', image: ['7-7'] })]);
    expect(await t.backend.countItems()).toBe(2);
    expect((await t.backend.getItems(['a']))[0]?.title).toBe('Gamma');
    expect(await t.ids(plan([tokensClause(['1-2'])]))).toEqual([]);
    expect(await t.ids(plan([tokensClause(['7-7'])]))).toEqual(['a']);
    expect(await t.ids(plan([tokensClause(['0-1'])], { textFilter: 'alpha' }))).toEqual([]);
    expect(await t.ids(plan([tokensClause(['7-7'])], { textFilter: 'gamma' }))).toEqual(['a']);

    expect(await t.backend.deleteItems(['a', 'zzz', 'a'])).toBe(1);
    expect(await t.backend.countItems()).toBe(1);
    expect(await t.backend.getItems(['a'])).toEqual([null]);
    expect(await t.ids(plan([tokensClause(['7-7', '0-1'])]))).toEqual(['b']);
  });

  it('refuses an empty id and stores the rest of the batch', async () => {
    const results = await t.backend.putItems([item(''), item('ok', { image: ['0-1'] })]);
    expect(results[0]).toMatchObject({ id: '', error: { code: 'BAD_USER_INPUT' } });
    expect(results[1]).toEqual({ id: 'ok' });
    expect(await t.backend.countItems()).toBe(1);
  });

  it('returns copies: callers cannot change what is stored', async () => {
    const input = item('a', { title: 'Alpha', image: ['0-1'] });
    await t.backend.putItems([input]);
    input.title = 'changed';
    input.tokens.IMAGE!.push('9-9');
    input.vectors.IMAGE![0] = 42;

    const [read] = await t.backend.getItems(['a'], { withVectors: true });
    expect(read).toMatchObject({
      title: 'Alpha',
      tokens: { IMAGE: ['0-1'] },
      vectors: { IMAGE: [1, 0] },
    });
    read!.tokens.IMAGE!.push('8-8');
    read!.vectors.IMAGE![0] = 7;
    read!.tags.push('x');

    const [candidate] = await t.backend.executeSimilar(
      plan([tokensClause(['0-1'])], { vectorsFor: ['IMAGE'] }),
    );
    candidate!.vectors.IMAGE![1] = 5;
    candidate!.item.tags.push('y');

    const [again] = await t.backend.getItems(['a'], { withVectors: true });
    expect(again).toMatchObject({
      tags: [],
      tokens: { IMAGE: ['0-1'] },
      vectors: { IMAGE: [1, 0] },
    });
    expect(await t.ids(plan([tokensClause(['9-9', '8-8'])]))).toEqual([]);
  });

  it('keeps tokens only together with their model version, like the Elasticsearch document', async () => {
    const unversioned = item('a', { image: ['0-1'] });
    delete unversioned.modelVersions.IMAGE;
    await t.backend.putItems([unversioned]);
    expect((await t.backend.getItems(['a']))[0]?.tokens).toEqual({});
    expect(await t.ids(plan([tokensClause(['0-1'])]))).toEqual([]);
  });

  it('reports the stored dimension per modality', async () => {
    expect(await t.backend.storedDimension('IMAGE')).toBeNull();
    await t.backend.putItems([item('a', { imageVector: [1, 2, 3] })]);
    expect(await t.backend.storedDimension('IMAGE')).toBe(3);
    expect(await t.backend.storedDimension('TEXT')).toBeNull();
    expect(await t.backend.isReady()).toBe(true);
  });
});
