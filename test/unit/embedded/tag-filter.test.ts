import { beforeEach, describe, expect, it } from 'vitest';
import { item, plan, tokensClause, useBackend } from './helpers.js';

// Tag filters and `unlike` in the embedded backend mean what the compiled Elasticsearch query
// means: keyword filters on `tags`, and unlike tokens left out of the query terms.
describe('EmbeddedBackend tag filters and unlike', () => {
  const t = useBackend();
  const tagged = (id: string, tags: string[], image: string[]) => ({
    ...item(id, { image }),
    tags,
  });

  beforeEach(async () => {
    await t.backend.putItems([
      tagged('ab', ['a', 'b'], ['0-1', '1-1']),
      tagged('a', ['a'], ['0-1', '1-2']),
      tagged('b', ['b'], ['0-2', '1-1']),
      tagged('none', [], ['0-1', '1-1']),
      tagged('c', ['c'], ['0-3', '1-3']),
    ]);
  });

  const clause = tokensClause(['0-1', '1-1']);

  it('keeps the token matches passing tagsAny, tagsAll and tagsNone', async () => {
    const ids = async (any: string[], all: string[], none: string[]) =>
      (await t.ids(plan([clause], { tags: { any, all, none } }))).sort();
    expect(await ids(['a'], [], [])).toEqual(['a', 'ab']);
    expect(await ids(['a', 'b'], [], [])).toEqual(['a', 'ab', 'b']);
    expect(await ids([], ['a', 'b'], [])).toEqual(['ab']);
    expect(await ids([], [], ['a'])).toEqual(['b', 'none']);
    expect(await ids(['a', 'b'], [], ['b'])).toEqual(['a']);
  });

  it('applies the tag filter to filter-only plans too', async () => {
    const ids = await t.ids(
      plan([], { vectorsFor: ['IMAGE'], tags: { any: ['c', 'b'], all: [], none: [] } }),
    );
    expect(ids).toEqual(['ab', 'b', 'c']);
  });

  it('counts the passing token matches up to countUpTo', async () => {
    const tags = { any: ['a', 'b'], all: [], none: [] };
    const found = await t.backend.executeSimilar(
      plan([clause], { tags, candidates: 1, countUpTo: 10 }),
    );
    expect(found).toHaveLength(1);
    expect(found.matched).toBe(3);
    const capped = await t.backend.executeSimilar(plan([clause], { countUpTo: 2 }));
    expect(capped.matched).toBe(2);
    expect((await t.backend.executeSimilar(plan([clause]))).matched).toBeUndefined();
  });

  it('matches no item on an unlike token alone', async () => {
    const unliked = { ...clause, unlike: ['1-1'] };
    // Only "0-1" remains a query term: "b" held only "1-1".
    expect((await t.ids(plan([unliked]))).sort()).toEqual(['a', 'ab', 'none']);
  });
});
