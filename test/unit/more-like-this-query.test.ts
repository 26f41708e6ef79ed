import { describe, expect, it } from 'vitest';
import { compileSimilarQuery } from '../../src/search/elasticsearch/more-like-this-query.js';
import { DEFAULT_MLT_SETTINGS, type SimilarPlan } from '../../src/search/query-plan.js';

const basePlan: SimilarPlan = {
  clauses: [
    { modality: 'IMAGE', like: { kind: 'item', id: 'a1' }, boost: 1 },
    { modality: 'TEXT', like: { kind: 'item', id: 'a1' }, boost: 0.5 },
  ],
  textFilter: 'red shoes',
  excludeIds: ['a1'],
  candidates: 100,
  mlt: { ...DEFAULT_MLT_SETTINGS, maxQueryTerms: 16 },
  vectorsFor: ['IMAGE', 'TEXT'],
};

describe('compileSimilarQuery', () => {
  it('builds one bool: more_like_this per modality, text filter, the item excluded', () => {
    const body = compileSimilarQuery(basePlan, 'lshql-items');
    expect(Object.keys(body.query)).toEqual(['bool']);
    expect(body.query.bool).toEqual({
      should: [
        {
          more_like_this: {
            fields: ['image_lsh'],
            like: [{ _index: 'lshql-items', _id: 'a1' }],
            min_term_freq: 1,
            min_doc_freq: 1,
            max_query_terms: 16,
            minimum_should_match: '1',
            boost: 1,
          },
        },
        {
          more_like_this: {
            fields: ['text_lsh'],
            like: [{ _index: 'lshql-items', _id: 'a1' }],
            min_term_freq: 1,
            min_doc_freq: 1,
            max_query_terms: 16,
            minimum_should_match: '1',
            boost: 0.5,
          },
        },
      ],
      minimum_should_match: 1,
      filter: [
        {
          multi_match: {
            query: 'red shoes',
            fields: ['title', 'text'],
            type: 'cross_fields',
            operator: 'and',
          },
        },
      ],
      must_not: [{ ids: { values: ['a1'] } }],
    });
    expect(body.size).toBe(100);
    expect(body.track_total_hits).toBe(false);
    expect(body._source.includes).toEqual(
      expect.arrayContaining(['id', 'title', 'vectors.image', 'vectors.text']),
    );
  });

  it('passes hashed tokens as an artificial document, as an array of whole terms', () => {
    const body = compileSimilarQuery(
      {
        ...basePlan,
        clauses: [
          { modality: 'IMAGE', like: { kind: 'tokens', tokens: ['0-3', '1-14'] }, boost: 1 },
        ],
        textFilter: null,
        excludeIds: [],
        vectorsFor: ['IMAGE'],
      },
      'idx',
    );
    const bool = body.query.bool as { should: { more_like_this: { like: unknown } }[] };
    expect(bool.should[0]!.more_like_this.like).toEqual([
      { _index: 'idx', doc: { image_lsh: ['0-3', '1-14'] } },
    ]);
    expect(body.query.bool).not.toHaveProperty('filter');
    expect(body.query.bool).not.toHaveProperty('must_not');
    expect(body._source.includes).not.toContain('vectors.text');
  });

  it('adds max_doc_freq only when set', () => {
    const body = compileSimilarQuery(
      { ...basePlan, mlt: { ...basePlan.mlt, maxDocFreq: 500 } },
      'i',
    );
    const bool = body.query.bool as { should: { more_like_this: Record<string, unknown> }[] };
    expect(bool.should[0]!.more_like_this.max_doc_freq).toBe(500);
  });

  it('compiles a filter-only plan: text filter and modality, no token clause', () => {
    const body = compileSimilarQuery({ ...basePlan, clauses: [], vectorsFor: ['IMAGE'] }, 'i');
    expect(body.query.bool).toEqual({
      filter: [
        { terms: { modalities: ['IMAGE'] } },
        {
          multi_match: {
            query: 'red shoes',
            fields: ['title', 'text'],
            type: 'cross_fields',
            operator: 'and',
          },
        },
      ],
      must_not: [{ ids: { values: ['a1'] } }],
    });
  });
});
