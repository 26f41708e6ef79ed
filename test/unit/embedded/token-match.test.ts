import { describe, expect, it } from 'vitest';
import type { TokenClause } from '../../../src/search/query-plan.js';
import { item, plan, tokensClause, useBackend } from './helpers.js';

describe('EmbeddedBackend token match', () => {
  const t = useBackend();

  it('keeps LSH tokens whole: "3-14" matches neither "3-1" + "14" nor "3-140"', async () => {
    await t.backend.putItems([
      item('split', { image: ['3-1', '14'] }),
      item('longer', { image: ['3-140'] }),
      item('prefix', { image: ['3-14x'] }),
      item('exact', { image: ['3-14'] }),
    ]);
    expect(await t.ids(plan([tokensClause(['3-14'])]))).toEqual(['exact']);
    expect(await t.ids(plan([tokensClause(['3-1'])]))).toEqual(['split']);
    expect(await t.ids(plan([tokensClause(['14'])]))).toEqual(['split']);
  });

  it('keeps tokens of one modality apart from the other', async () => {
    await t.backend.putItems([
      item('img', { image: ['0-1'] }),
      item('txt', { textTokens: ['0-1'] }),
    ]);
    expect(await t.ids(plan([tokensClause(['0-1'], 'IMAGE')]))).toEqual(['img']);
    expect(await t.ids(plan([tokensClause(['0-1'], 'TEXT')]))).toEqual(['txt']);
  });

  it('ranks an item sharing more tokens above one sharing fewer', async () => {
    const query = ['0-0', '1-0', '2-0', '3-0'];
    await t.backend.putItems([
      item('one', { image: ['0-0', '1-9', '2-9', '3-9'] }),
      item('three', { image: ['0-0', '1-0', '2-0', '3-8'] }),
      item('two', { image: ['0-0', '1-0', '2-7', '3-7'] }),
      item('four', { image: ['0-0', '1-0', '2-0', '3-0'] }),
      item('none', { image: ['0-5', '1-5', '2-5', '3-5'] }),
    ]);
    expect(await t.ids(plan([tokensClause(query)]))).toEqual(['four', 'three', 'two', 'one']);
  });

  it('scores a clause as the plain sum over its matched tokens, rarer tokens weighing more', async () => {
    // Of 10 items, "rare" is held by one, "c1" and "c2" by four each: one rare token outweighs
    // two common ones, though not four (a "× matched tokens" factor would reverse the order).
    await t.backend.putItems([
      item('rare', { image: ['rare', 'a-1'] }),
      item('common', { image: ['c1', 'c2'] }),
      ...[1, 2, 3].map((n) => item(`also-common-${n}`, { image: ['c1', 'c2'] })),
      ...[1, 2, 3, 4, 5].map((n) => item(`filler-${n}`, { image: [`f-${n}`, `g-${n}`] })),
    ]);
    expect(await t.ids(plan([tokensClause(['rare', 'c1', 'c2'])]))).toEqual([
      'rare',
      'common',
      'also-common-1',
      'also-common-2',
      'also-common-3',
    ]);
  });

  it('adds up the scores of the clauses (a sum, not the best clause)', async () => {
    // Of 10 items, "rare" is held by one, "c" by two in each field: "c" in both fields
    // outweighs "rare", though "c" in one field alone does not.
    const fillers = [1, 2, 3, 4, 5, 6].map((n) =>
      item(`filler-${n}`, { image: [`f-${n}`, 'x'], textTokens: [`g-${n}`, 'x'] }),
    );
    await t.backend.putItems([
      item('rare', { image: ['rare', 'x'], textTokens: ['t-1', 'x'] }),
      item('both', { image: ['c', 'x'], textTokens: ['c', 'x'] }),
      item('image-c', { image: ['c', 'x'], textTokens: ['t-2', 'x'] }),
      item('text-c', { image: ['i-3', 'x'], textTokens: ['c', 'x'] }),
      ...fillers,
    ]);
    const clauses: TokenClause[] = [tokensClause(['rare', 'c']), tokensClause(['c'], 'TEXT')];
    expect(await t.ids(plan(clauses))).toEqual(['both', 'rare', 'image-c', 'text-c']);
  });

  it('multiplies clause scores by their boosts', async () => {
    await t.backend.putItems([
      item('both', { image: ['0-1'], textTokens: ['0-2'] }),
      item('image-only', { image: ['0-1'], textTokens: ['0-9'] }),
      item('text-only', { image: ['0-8'], textTokens: ['0-2'] }),
      item('filler', { image: ['0-7'], textTokens: ['0-7'] }),
    ]);
    const clauses = (imageBoost: number, textBoost: number) => [
      tokensClause(['0-1'], 'IMAGE', imageBoost),
      tokensClause(['0-2'], 'TEXT', textBoost),
    ];
    expect((await t.ids(plan(clauses(1, 1))))[0]).toBe('both');
    expect(await t.ids(plan(clauses(1, 5)))).toEqual(['both', 'text-only', 'image-only']);
    expect(await t.ids(plan(clauses(5, 1)))).toEqual(['both', 'image-only', 'text-only']);
  });

  it('still matches with a zero boost (like Elasticsearch), adding nothing to the score', async () => {
    await t.backend.putItems([
      item('both', { image: ['0-1'], textTokens: ['0-2'] }),
      item('image-only', { image: ['0-1'], textTokens: ['0-9'] }),
      item('text-only', { image: ['0-8'], textTokens: ['0-2'] }),
      item('filler', { image: ['0-7'], textTokens: ['0-7'] }),
    ]);
    const zeroImage = plan([tokensClause(['0-1'], 'IMAGE', 0), tokensClause(['0-2'], 'TEXT')]);
    expect(await t.ids(zeroImage)).toEqual(['both', 'text-only', 'image-only']);
    // "both" and "text-only" tie: written again, "both" goes after "text-only".
    await t.backend.putItems([item('both', { image: ['0-1'], textTokens: ['0-2'] })]);
    expect(await t.ids(zeroImage)).toEqual(['text-only', 'both', 'image-only']);
  });

  it('breaks score ties by write order, like Lucene’s doc ids', async () => {
    await t.backend.putItems([item('z', { image: ['0-1'] }), item('a', { image: ['0-1'] })]);
    expect(await t.ids(plan([tokensClause(['0-1'])]))).toEqual(['z', 'a']);
    await t.backend.putItems([item('z', { image: ['0-1'] })]);
    expect(await t.ids(plan([tokensClause(['0-1'])]))).toEqual(['a', 'z']);
  });

  it("with an item's own tokens and its id excluded, never returns the item itself", async () => {
    await t.backend.putItems([
      item('q', { image: ['0-1', '1-1', '2-1'] }),
      item('close', { image: ['0-1', '1-1', '2-9'] }),
      item('far', { image: ['0-1', '1-8', '2-9'] }),
      item('other', { image: ['0-7', '1-7', '2-7'] }),
    ]);
    const own = plan([tokensClause(['0-1', '1-1', '2-1'])], { excludeIds: ['q'] });
    expect(await t.ids(own)).toEqual(['close', 'far']);
  });

  it('respects excludeIds and returns at most `candidates` hits with the asked vectors', async () => {
    await t.backend.putItems([
      item('a', { image: ['0-1'], textTokens: ['5-5'] }),
      item('b', { image: ['0-1'], textTokens: ['5-5'] }),
      item('c', { image: ['0-1'], textTokens: ['5-5'] }),
    ]);
    expect(await t.ids(plan([tokensClause(['0-1'])], { excludeIds: ['b'] }))).toEqual(['a', 'c']);
    const limited = await t.backend.executeSimilar(
      plan([tokensClause(['0-1'])], { candidates: 2, vectorsFor: ['TEXT'] }),
    );
    expect(limited.map((c) => c.item.id)).toEqual(['a', 'b']);
    for (const candidate of limited) {
      expect(candidate.vectors).toEqual({ TEXT: [0, 1] });
      expect(candidate.modelVersions).toEqual({ IMAGE: 1, TEXT: 1 });
      expect(candidate.item).toEqual({
        id: candidate.item.id,
        title: null,
        text: null,
        tags: [],
        modalities: ['IMAGE', 'TEXT'],
      });
    }
    expect(
      await t.backend.executeSimilar(plan([tokensClause(['0-1'])], { candidates: 0 })),
    ).toEqual([]);
  });

  describe('ranked exactly', () => {
    const ranked = (clauses: TokenClause[], size: number, candidates = 100) =>
      plan(clauses, {
        candidates,
        vectorsFor: ['IMAGE'],
        rank: { queries: [{ modality: 'IMAGE', vector: [1, 0], weight: 1 }], size },
      });

    it('orders the token matches by cosine, ties going to the item written first', async () => {
      await t.backend.putItems([
        item('weak', { image: ['0-1', '1-9'], imageVector: [1, 1] }),
        item('near', { image: ['0-1', '1-8'], imageVector: [1, 0.1] }),
        item('strong', { image: ['0-1', '1-1'], imageVector: [1, 1] }),
        item('unrelated', { image: ['0-7', '1-7'], imageVector: [1, 0] }),
      ]);
      // By tokens "strong" comes first; by cosine "near", then "weak" and "strong" tie.
      expect((await t.ids(plan([tokensClause(['0-1', '1-1'])])))[0]).toBe('strong');
      const hits = await t.backend.executeSimilar(ranked([tokensClause(['0-1', '1-1'])], 10));
      expect(hits.map((c) => c.item.id)).toEqual(['near', 'weak', 'strong']);
      expect(hits[0]!.exactScore).toBeGreaterThan(hits[1]!.exactScore!);
      expect(hits[1]!.exactScore).toBe(hits[2]!.exactScore);
      expect(hits.every((c) => Object.keys(c.vectors).length === 0)).toBe(true);
    });

    it('returns at most `rank.size` and at most `candidates` hits', async () => {
      await t.backend.putItems(
        [1, 2, 3, 4].map((n) => item(`i-${n}`, { image: ['0-1'], imageVector: [1, n] })),
      );
      expect(await t.ids(ranked([tokensClause(['0-1'])], 3))).toEqual(['i-1', 'i-2', 'i-3']);
      expect(await t.ids(ranked([tokensClause(['0-1'])], 3, 2))).toEqual(['i-1', 'i-2']);
    });
  });
});
