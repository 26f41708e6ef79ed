import { beforeEach, describe, expect, it } from 'vitest';
import {
  bm25TermWeight,
  minimumShouldMatchCount,
  selectTerms,
  type TokenFieldStats,
} from '../../../src/search/embedded/more-like-this.js';
import type { MoreLikeThisSettings } from '../../../src/search/query-plan.js';
import { MLT, item, plan, tokensClause, useBackend } from './helpers.js';

describe('more_like_this settings in the embedded backend', () => {
  const t = useBackend();

  beforeEach(async () => {
    // "common" is held by all 6 items, "rare-*" by one to three each.
    await t.backend.putItems([
      item('q', { image: ['common', 'rare-1', 'rare-2', 'rare-3'] }),
      item('shares-common', { image: ['common', 'x-1', 'x-2', 'x-3'] }),
      item('shares-rare-1', { image: ['common', 'rare-1', 'y-2', 'y-3'] }),
      item('shares-rare-12', { image: ['common', 'rare-1', 'rare-2', 'z-3'] }),
      item('filler-1', { image: ['common', 'f-1', 'f-2', 'f-3'] }),
      item('filler-2', { image: ['common', 'g-1', 'g-2', 'g-3'] }),
    ]);
  });

  const similarTo = (mlt: Partial<MoreLikeThisSettings>) =>
    t.ids(
      plan([tokensClause(['common', 'rare-1', 'rare-2', 'rare-3'])], {
        excludeIds: ['q'],
        mlt: { ...MLT, ...mlt },
      }),
    );

  it('maxDocFreq drops tokens most items share', async () => {
    expect(await similarTo({})).toHaveLength(5);
    expect(await similarTo({ maxDocFreq: 5 })).toEqual(['shares-rare-12', 'shares-rare-1']);
  });

  it('minDocFreq drops tokens held by too few items (the query item counts)', async () => {
    // rare-3 is held by q only, rare-2 by two items, rare-1 by three.
    expect((await similarTo({ minDocFreq: 3, maxDocFreq: 5 })).sort()).toEqual([
      'shares-rare-1',
      'shares-rare-12',
    ]);
    expect(await similarTo({ minDocFreq: 4, maxDocFreq: 5 })).toEqual([]);
  });

  it('minTermFreq 2 (the Elasticsearch default) drops every token of an item', async () => {
    expect(await similarTo({ minTermFreq: 2 })).toEqual([]);
  });

  it('maxQueryTerms keeps the rarest tokens', async () => {
    // The best by idf: rare-3 (df 1), then rare-2 (df 2): only shares-rare-12 holds rare-2.
    expect(await similarTo({ maxQueryTerms: 2 })).toEqual(['shares-rare-12']);
    expect(await similarTo({ maxQueryTerms: 3 })).toEqual(['shares-rare-12', 'shares-rare-1']);
  });

  it('minimumShouldMatch counts matched query terms per item', async () => {
    expect(await similarTo({ minimumShouldMatch: '2' })).toEqual([
      'shares-rare-12',
      'shares-rare-1',
    ]);
    expect(await similarTo({ minimumShouldMatch: '3' })).toEqual(['shares-rare-12']);
    expect(await similarTo({ minimumShouldMatch: '75%' })).toEqual(['shares-rare-12']);
    expect(await similarTo({ minimumShouldMatch: '100%' })).toEqual([]);
    expect(await similarTo({ minimumShouldMatch: '-3' })).toHaveLength(5);
    expect(await similarTo({ minimumShouldMatch: '-50%' })).toEqual([
      'shares-rare-12',
      'shares-rare-1',
    ]);
    expect(await similarTo({ minimumShouldMatch: '5' })).toEqual([]);
  });
});

describe('minimumShouldMatchCount', () => {
  it('takes the forms the configuration allows, rounding down like Elasticsearch', () => {
    expect(minimumShouldMatchCount(10, '1')).toBe(1);
    expect(minimumShouldMatchCount(10, '0')).toBe(0);
    expect(minimumShouldMatchCount(10, '30%')).toBe(3);
    expect(minimumShouldMatchCount(7, '50%')).toBe(3);
    expect(minimumShouldMatchCount(3, '100%')).toBe(3);
    expect(minimumShouldMatchCount(16, '9999%')).toBe(1599);
    expect(minimumShouldMatchCount(10, '-2')).toBe(8);
    expect(minimumShouldMatchCount(7, '-25%')).toBe(6);
    expect(minimumShouldMatchCount(2, '-5')).toBe(0);
    expect(minimumShouldMatchCount(4, '-100%')).toBe(0);
    expect(minimumShouldMatchCount(10, ' 20% ')).toBe(2);
  });

  it('refuses other forms with an actionable message', () => {
    for (const spec of ['lots', '2<75%', '3<-1 10<50%', '1.5', '%', '']) {
      expect(() => minimumShouldMatchCount(3, spec)).toThrow(/minimum_should_match .*"30%"/);
    }
  });
});

describe('term selection and weights', () => {
  const stats = (docFreq: Record<string, number>, numDocs = 10): TokenFieldStats => ({
    numDocs,
    docCount: numDocs,
    sumDocFreq: numDocs * 2,
    docFreq: (term) => docFreq[term] ?? 0,
  });

  it('selects the rarest terms, dropping those no item holds', () => {
    const field = stats({ a: 5, b: 1, c: 3, d: 9 });
    expect(selectTerms(['a', 'b', 'c', 'd', 'none'], field, { ...MLT, maxQueryTerms: 2 })).toEqual([
      'b',
      'c',
    ]);
    expect(selectTerms(['a', 'none'], field, MLT)).toEqual(['a']);
  });

  it('counts a repeated like-token as term frequency (tf × idf)', () => {
    const field = stats({ a: 2, b: 1 });
    // Twice "a" outweighs one rarer "b".
    expect(selectTerms(['a', 'b', 'a'], field, { ...MLT, maxQueryTerms: 1 })).toEqual(['a']);
    expect(selectTerms(['a', 'b', 'a'], field, { ...MLT, minTermFreq: 2 })).toEqual(['a']);
  });

  it('never selects an unlike token (Elasticsearch skips the unlike terms)', () => {
    const field = stats({ a: 2, b: 1, c: 3 });
    expect(selectTerms(['a', 'b', 'c', 'a'], field, MLT, ['b', 'x'])).toEqual(['a', 'c']);
    expect(selectTerms(['a'], field, MLT, ['a'])).toEqual([]);
  });

  it('weighs a matched term by BM25 idf over the items holding the field', () => {
    const field = stats({});
    const weights = [1, 2, 5, 10].map((df) => bm25TermWeight(df, field));
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    expect(weights.every((w) => w > 0)).toBe(true);
    expect(bm25TermWeight(0, field)).toBe(0);
    // Items without tokens in the field do not dilute its idf.
    const sparse = { ...field, numDocs: 100 };
    expect(bm25TermWeight(2, sparse)).toBe(bm25TermWeight(2, field));
  });
});
