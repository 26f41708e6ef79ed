import { describe, expect, it } from 'vitest';
import { passesTags, planFilterOf } from '../../src/search/item-filter.js';
import { tagFilterClauses } from '../../src/search/elasticsearch/filter-clauses.js';
import { LshqlError } from '../../src/domain/errors.js';

const limits = { maxTextLength: 20, maxTags: 3, maxTagLength: 5 };

describe('planFilterOf', () => {
  it('joins textFilter and filter.text and keeps the tag lists without repeats', () => {
    expect(
      planFilterOf(
        ' red ',
        { text: 'shoes\u0000', tagsAny: ['a', 'a', 'b'], tagsNone: ['c'] },
        limits,
      ),
    ).toEqual({ text: 'red shoes', tags: { any: ['a', 'b'], all: [], none: ['c'] } });
  });

  it('is empty when nothing constrains', () => {
    expect(planFilterOf('  ', { text: null, tagsAny: [], tagsAll: null }, limits)).toEqual({
      text: null,
      tags: null,
    });
    expect(planFilterOf(null, null, limits)).toEqual({ text: null, tags: null });
  });

  it('refuses lists, tags and texts over the limits with BAD_USER_INPUT', () => {
    const bad = [
      () => planFilterOf(null, { tagsAll: ['a', 'b', 'c', 'd'] }, limits),
      () => planFilterOf(null, { tagsNone: ['toolong'] }, limits),
      () => planFilterOf(null, { text: 'x'.repeat(21) }, limits),
      () => planFilterOf('x'.repeat(21), null, limits),
    ];
    for (const fn of bad) {
      expect(fn).toThrow(LshqlError);
      try {
        fn();
      } catch (error) {
        expect((error as LshqlError).code).toBe('BAD_USER_INPUT');
      }
    }
  });
});

describe('tag filters', () => {
  const filter = { any: ['a', 'b'], all: ['c'], none: ['d'] };

  it('passesTags: any of, all of, none of', () => {
    expect(passesTags(['a', 'c'], filter)).toBe(true);
    expect(passesTags(['c'], filter)).toBe(false);
    expect(passesTags(['b'], filter)).toBe(false);
    expect(passesTags(['b', 'c', 'd'], filter)).toBe(false);
    expect(passesTags([], null)).toBe(true);
    expect(passesTags(['x'], { any: [], all: [], none: [] })).toBe(true);
  });

  it('compiles to keyword filter clauses on tags for Elasticsearch', () => {
    expect(tagFilterClauses(filter)).toEqual([
      { terms: { tags: ['a', 'b'] } },
      { term: { tags: 'c' } },
      { bool: { must_not: [{ terms: { tags: ['d'] } }] } },
    ]);
    expect(tagFilterClauses(null)).toEqual([]);
  });
});
