import { describe, expect, it } from 'vitest';
import {
  compileSimilarQuery,
  exactScoreOf,
  LEAN_QUERY,
  type SimilarSearchBody,
} from '../../src/search/elasticsearch/query-compiler.js';
import { DEFAULT_MLT_SETTINGS, type SimilarPlan } from '../../src/search/query-plan.js';

/** The `_source` fields a body asks for (none when it reads doc values only). */
function sourceFields(body: SimilarSearchBody): string[] {
  return body._source === false ? [] : body._source.includes;
}

const basePlan: SimilarPlan = {
  clauses: [
    { modality: 'IMAGE', tokens: ['0-1', '1-2'], boost: 1 },
    { modality: 'TEXT', tokens: ['0-3'], boost: 0.5 },
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
            like: '0-1 1-2',
            analyzer: 'whitespace',
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
            like: '0-3',
            analyzer: 'whitespace',
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
    expect(sourceFields(body)).toEqual(
      expect.arrayContaining(['id', 'title', 'vectors.image', 'vectors.text']),
    );
  });

  it('reads the model version of every modality with the hits, ranked or not', () => {
    const versions = ['image_model_version', 'text_model_version'];
    const unranked = compileSimilarQuery({ ...basePlan, vectorsFor: [] }, 'i');
    expect(sourceFields(unranked)).toEqual(expect.arrayContaining(versions));
    const ranked = compileSimilarQuery(
      { ...basePlan, rank: { queries: [{ modality: 'TEXT', vector: [1], weight: 1 }], size: 5 } },
      'i',
    );
    expect(sourceFields(ranked)).toEqual(expect.arrayContaining(versions));
  });

  it('passes hashed tokens as whitespace-separated text, or as an artificial document', () => {
    const plan: SimilarPlan = {
      ...basePlan,
      clauses: [{ modality: 'IMAGE', tokens: ['0-3', '1-14'], boost: 1 }],
      textFilter: null,
      excludeIds: [],
      vectorsFor: ['IMAGE'],
    };
    const body = compileSimilarQuery(plan, 'idx');
    type Mlt = { should: { more_like_this: Record<string, unknown> }[] };
    const mlt = (body.query.bool as Mlt).should[0]!.more_like_this;
    expect([mlt.like, mlt.analyzer]).toEqual(['0-3 1-14', 'whitespace']);
    const asDocument = compileSimilarQuery(plan, 'idx', { ...LEAN_QUERY, likeText: false });
    const docMlt = (asDocument.query.bool as Mlt).should[0]!.more_like_this;
    expect(docMlt.like).toEqual([{ _index: 'idx', doc: { image_lsh: ['0-3', '1-14'] } }]);
    expect(docMlt).not.toHaveProperty('analyzer');
    expect(body.query.bool).not.toHaveProperty('filter');
    expect(body.query.bool).not.toHaveProperty('must_not');
    expect(sourceFields(body)).not.toContain('vectors.text');
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

describe('compileSimilarQuery with tag filters and unlike', () => {
  const tags = { any: ['a', 'b'], all: ['c'], none: ['d'] };
  const tagClauses = [
    { terms: { tags: ['a', 'b'] } },
    { term: { tags: 'c' } },
    { bool: { must_not: [{ terms: { tags: ['d'] } }] } },
  ];

  it('adds the tag filter beside the text filter, ranked or not', () => {
    const plain = compileSimilarQuery({ ...basePlan, tags }, 'i').query.bool.filter as unknown[];
    expect(plain.slice(1)).toEqual(tagClauses);
    const ranked = compileSimilarQuery(
      {
        ...basePlan,
        tags,
        rank: { queries: [{ modality: 'IMAGE', vector: [1, 0], weight: 1 }], size: 5 },
      },
      'i',
    );
    const should = ranked.query.bool.should as { knn: { filter: unknown[] } }[];
    expect(should[0]!.knn.filter).toEqual(expect.arrayContaining(tagClauses));
  });

  it('counts the matches up to countUpTo (track_total_hits), and not otherwise', () => {
    expect(compileSimilarQuery({ ...basePlan, countUpTo: 1001 }, 'i').track_total_hits).toBe(1001);
    expect(compileSimilarQuery(basePlan, 'i').track_total_hits).toBe(false);
  });

  it('sends unlike tokens as unlike text, or as an artificial unlike document', () => {
    const plan: SimilarPlan = {
      ...basePlan,
      clauses: [{ modality: 'IMAGE', tokens: ['0-1', '1-2', '0-1'], boost: 1, unlike: ['1-2'] }],
    };
    const mltOf = (options = LEAN_QUERY) =>
      (
        compileSimilarQuery(plan, 'i', options).query.bool.should as {
          more_like_this: Record<string, unknown>;
        }[]
      )[0]!.more_like_this;
    expect([mltOf().like, mltOf().unlike]).toEqual(['0-1 1-2 0-1', '1-2']);
    const asDocument = mltOf({ ...LEAN_QUERY, likeText: false });
    expect(asDocument.like).toEqual([{ _index: 'i', doc: { image_lsh: ['0-1', '1-2', '0-1'] } }]);
    expect(asDocument.unlike).toEqual([{ _index: 'i', doc: { image_lsh: ['1-2'] } }]);
  });
});

describe('compileSimilarQuery with exact ranking', () => {
  const ranked: SimilarPlan = {
    ...basePlan,
    rank: {
      queries: [
        { modality: 'IMAGE', vector: [3, 4], weight: 3 },
        { modality: 'TEXT', vector: [0, 2], weight: 1 },
      ],
      size: 10,
    },
  };
  type Clause = Record<string, Record<string, unknown>>;
  /** The score clauses: the bool's `should`, and the `knn` gate's when there is one. */
  const shouldOf = (plan: SimilarPlan, options = LEAN_QUERY) => {
    const bool = compileSimilarQuery(plan, 'lshql-items', options).query.bool;
    const gate = (bool.must as { bool: { should: Clause[] } }[] | undefined)?.[0]?.bool.should;
    return [...(gate ?? []), ...(bool.should as Clause[])];
  };

  it('scores the token-match candidates with a flat knn clause per modality, vectors left out', () => {
    const body = compileSimilarQuery(ranked, 'lshql-items');
    expect(body.size).toBe(10);
    expect(sourceFields(body).some((f) => f.startsWith('vectors'))).toBe(false);
    const should = shouldOf(ranked);
    const knn = should.filter((c) => c.knn).map((c) => c.knn!);
    // Several modalities: each keeps every candidate within the rerank depth.
    expect(knn.map((k) => [k.field, k.boost, k.k])).toEqual([
      ['image_vector', 0.75, 100],
      ['text_vector', 0.25, 100],
    ]);
    // The vectors as given (Elasticsearch normalises cosine query vectors itself).
    expect(knn.map((k) => JSON.parse(JSON.stringify(k.query_vector)))).toEqual([
      [3, 4],
      [0, 2],
    ]);
    expect(knn.every((k) => k.num_candidates === k.k)).toBe(true);
    // Each knn is restricted to the candidates: items sharing tokens, the text filter, not a1.
    const filter = knn[0]!.filter as Clause[];
    expect(JSON.stringify(filter[0])).toContain('more_like_this');
    expect(filter[1]).toHaveProperty('multi_match.query', 'red shoes');
    expect(filter[2]).toEqual({ bool: { must_not: [{ ids: { values: ['a1'] } }] } });
  });

  it('gives candidates lacking a modality the score of cosine 0 there (w / 2)', () => {
    const lacking = shouldOf(ranked).filter((c) => c.constant_score);
    expect(lacking.map((c) => c.constant_score!.boost)).toEqual([0.375, 0.125]);
    expect(JSON.stringify(lacking[1])).toContain('{"exists":{"field":"text_vector"}}');
  });

  it('lets the knn clauses of several modalities gate the candidates, with no outer filter', () => {
    const bool = compileSimilarQuery(ranked, 'lshql-items').query.bool;
    expect(bool.filter).toBeUndefined();
    const gate = bool.must as { bool: { should: Clause[]; minimum_should_match: number } }[];
    expect(gate).toHaveLength(1);
    expect(gate[0]!.bool.minimum_should_match).toBe(1);
    expect(gate[0]!.bool.should.map((c) => c.knn!.field)).toEqual(['image_vector', 'text_vector']);
    // The candidate filter (two token clauses) is only inside the knn clauses: once per modality.
    const candidateFilter = JSON.stringify(gate[0]!.bool.should[0]!.knn!.filter);
    expect(JSON.stringify(bool).split(candidateFilter).length - 1).toBe(2);
    expect(JSON.stringify(bool).split('more_like_this').length - 1).toBe(4);
    // The lacking clauses only add w / 2 to hits the gate admits.
    const lacking = bool.should as Clause[];
    expect(lacking.map((c) => c.constant_score!.boost)).toEqual([0.375, 0.125]);
    expect(JSON.stringify(lacking)).not.toContain('more_like_this');
    // A zero query vector adds w / 2 to every admitted hit; all zero: the candidate filter stays.
    const zeroText = shouldOf({
      ...ranked,
      rank: {
        queries: [ranked.rank!.queries[0]!, { modality: 'TEXT', vector: [0, 0], weight: 1 }],
        size: 10,
      },
    });
    expect(zeroText.map((c) => Object.keys(c)[0])).toEqual([
      'knn',
      'constant_score',
      'constant_score',
    ]);
    expect(zeroText[2]).toEqual({
      constant_score: { filter: { bool: { filter: [{ match_all: {} }] } }, boost: 0.125 },
    });
    const allZero = compileSimilarQuery(
      {
        ...ranked,
        rank: {
          queries: [
            { modality: 'IMAGE', vector: [0, 0], weight: 1 },
            { modality: 'TEXT', vector: [0, 0], weight: 1 },
          ],
          size: 10,
        },
      },
      'lshql-items',
    ).query.bool;
    expect(allZero.must).toBeUndefined();
    expect(JSON.stringify(allZero.filter)).toContain('more_like_this');
  });

  it('states the candidate filter once for several modalities, in every clause when asked', () => {
    const NO_GATE = { ...LEAN_QUERY, knnGate: false };
    const lean = compileSimilarQuery(ranked, 'lshql-items', NO_GATE).query.bool;
    const knnFilter = (lean.should as Clause[]).find((c) => c.knn)!.knn!.filter;
    expect(lean.filter).toEqual(knnFilter);
    expect(lean.minimum_should_match).toBe(1);
    const lacking = (lean.should as Clause[]).filter((c) => c.constant_score);
    expect(JSON.stringify(lacking)).not.toContain('more_like_this');
    const full = compileSimilarQuery(ranked, 'lshql-items', { ...NO_GATE, filterOnce: false });
    expect(full.query.bool.filter).toBeUndefined();
    const fullLacking = (full.query.bool.should as Clause[]).filter((c) => c.constant_score);
    expect(fullLacking.every((c) => JSON.stringify(c).includes('more_like_this'))).toBe(true);
  });

  it('asks one modality for the hits returned only, or the rerank depth when told', () => {
    const one: SimilarPlan = { ...ranked, rank: { queries: [ranked.rank!.queries[0]!], size: 7 } };
    const knnOf = (options = LEAN_QUERY) =>
      (compileSimilarQuery(one, 'lshql-items', options).query.bool.should as Clause[])[0]!.knn!;
    expect([knnOf().k, knnOf().num_candidates]).toEqual([7, 7]);
    const deep = knnOf({ ...LEAN_QUERY, exactK: false });
    expect([deep.k, deep.num_candidates]).toEqual([100, 100]);
  });

  it('sends query vectors at float32 precision, in the shortest decimals', () => {
    const one = (vector: number[]): SimilarPlan => ({
      ...ranked,
      rank: { queries: [{ modality: 'IMAGE', vector, weight: 1 }], size: 5 },
    });
    const sentOf = (plan: SimilarPlan, options = LEAN_QUERY) =>
      (
        JSON.parse(JSON.stringify(compileSimilarQuery(plan, 'lshql-items', options))) as {
          query: { bool: { should: { knn: { query_vector: number[] } }[] } };
        }
      ).query.bool.should[0]!.knn.query_vector;
    const values = [0.1, -2.5e-7, 3, 1 / 3];
    expect(sentOf(one(values))).toEqual([0.1, -2.5e-7, 3, 0.33333334]);
    expect(sentOf(one(values)).map(Math.fround)).toEqual(values.map(Math.fround));
    // Off: the unit vector in float64, as JSON.stringify writes it.
    const exact = sentOf(one([1, 2, 3]), { ...LEAN_QUERY, float32: false });
    expect(exact[0]).toBe(1 / Math.sqrt(14));
    // A squared norm float32 cannot hold (tiny or huge values) is sent unit length.
    const tiny = sentOf(one([1e-20, 0, 0]));
    expect(tiny).toEqual([1, 0, 0]);
    const huge = sentOf(one([3e38, 4e38]));
    expect(huge).toEqual([0.6, 0.8]);
  });

  it('needs no such clause for one modality, and none of knn for a zero query vector', () => {
    const one = shouldOf({ ...ranked, rank: { queries: [ranked.rank!.queries[0]!], size: 10 } });
    expect(one.map((c) => Object.keys(c)[0])).toEqual(['knn']);
    const zero = shouldOf({
      ...ranked,
      rank: { queries: [{ modality: 'IMAGE', vector: [0, 0], weight: 1 }], size: 10 },
    });
    expect(zero).toEqual([
      { constant_score: { filter: { bool: { filter: expect.any(Array) } }, boost: 0.5 } },
    ]);
  });

  it('reads hits that need only their keys from doc values, loading no stored field', () => {
    const keys = compileSimilarQuery({ ...ranked, hitContent: 'keys' }, 'lshql-items');
    expect(keys._source).toBe(false);
    expect(keys.stored_fields).toEqual(['_none_']);
    expect(keys.docvalue_fields).toEqual([
      'id',
      'modalities',
      'image_model_version',
      'text_model_version',
    ]);
    // The same query, only the hits' fields differ.
    const full = compileSimilarQuery({ ...ranked, hitContent: 'full' }, 'lshql-items');
    expect(keys.query).toEqual(full.query);
    expect(sourceFields(full)).toEqual(expect.arrayContaining(['id', 'title', 'tags']));
    expect(full.stored_fields).toBeUndefined();
    // Switched off, or for an unranked plan (whose hits carry their vectors): `_source`.
    const off = { ...LEAN_QUERY, docValueHits: false };
    expect(compileSimilarQuery({ ...ranked, hitContent: 'keys' }, 'i', off)._source).not.toBe(
      false,
    );
    const unranked = compileSimilarQuery({ ...basePlan, hitContent: 'keys' }, 'i');
    expect(sourceFields(unranked)).toContain('vectors.image');
  });

  it('recovers the weighted mean cosine from the score', () => {
    // (1 + 0.4) / 2 = 0.7
    expect(exactScoreOf(0.7)).toBeCloseTo(0.4, 12);
    expect(exactScoreOf(0.5)).toBe(0);
  });
});
