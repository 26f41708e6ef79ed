import { isZeroNorm, unitVector } from '../../lsh/vector-math.js';
import { lackingScore, meanCosineOf, normalizedWeights } from '../scoring.js';
import { MODALITY_TABLE, denseVectorField, lshField } from '../../domain/modalities.js';
import type { ExactRanking, RankQuery, SimilarPlan, TokenClause } from '../query-plan.js';
import { encodedVectorPath } from './item-document.js';
import { tagFilterClauses } from './filter-clauses.js';
import { float32Values } from './vector-encoding.js';

/*
 * The query compiler: a SimilarPlan becomes the body of one `_search` request, a single `bool`
 * query (token match, filters, and the exact ranking of the candidates when the plan ranks).
 */

/** The body of one `_search` request: a single `bool` query built from a plan. */
export interface SimilarSearchBody {
  size: number;
  /** False, or the bound up to which matches are counted (`plan.countUpTo`). */
  track_total_hits: false | number;
  query: { bool: Record<string, unknown> };
  /** The hit fields read from `_source`, or false when doc values give every one needed. */
  _source: { includes: string[] } | false;
  /** `['_none_']`: no stored field (not even `_id`) is loaded; see `docvalue_fields`. */
  stored_fields?: string[];
  docvalue_fields?: string[];
}

/**
 * Switches of the compiled query's lean shape, all on by default (off gives the earlier shape,
 * kept so benchmarks can measure each): `exactK` asks each `knn` clause of a one-modality plan
 * for the hits needed only, not the whole rerank depth (Lucene sizes its top-k queue by k);
 * `filterOnce` states the candidate filter once beside several modalities' clauses instead of in
 * every "lacking" clause; `float32` sends query vectors at the float32 precision Elasticsearch
 * keeps (at most 9 significant digits instead of 17) and not made unit length (see
 * `queryVector`); `likeText` gives `more_like_this` the query tokens
 * as one whitespace-separated text analysed by the `whitespace` analyzer instead of as an
 * artificial document (which Elasticsearch turns into an internal term-vectors request per
 * shard, parsing the document through the mapping): the same terms with the same frequencies;
 * `knnGate` lets several modalities' `knn` clauses
 * alone admit the candidates (a `must` of them), so the candidate filter is evaluated once per
 * modality, inside its `knn`, and not again for the `bool` (it replaces `filterOnce`'s outer
 * filter); `docValueHits` answers a ranked plan whose hits need only their keys
 * (`plan.hitContent` `keys`) from doc values, loading no stored field: an item's stored
 * document holds its vectors (base64 in `_source`), so loading even its `_id` decompresses them.
 */
export interface CompileOptions {
  exactK: boolean;
  filterOnce: boolean;
  float32: boolean;
  likeText: boolean;
  knnGate: boolean;
  docValueHits: boolean;
}

export const LEAN_QUERY: CompileOptions = {
  exactK: true,
  filterOnce: true,
  float32: true,
  likeText: true,
  knnGate: true,
  docValueHits: true,
};

/** Doc-value fields of a hit answered by its keys (`HitContent` `keys`). */
const KEY_HIT_FIELDS: string[] = [
  'id',
  'modalities',
  ...MODALITY_TABLE.map((row) => row.versionField),
];

/** Fields of a hit the gateway reads (never the vectors when the search ranks exactly). */
const HIT_FIELDS: string[] = [
  'id',
  'title',
  'text',
  'tags',
  'modalities',
  ...MODALITY_TABLE.map((row) => row.versionField),
];

/**
 * The tokens as `more_like_this` takes them. As text (`likeText`): LSH tokens ("3-14") hold no
 * whitespace, so the `whitespace` analyzer gives each back whole, one keyword term. Otherwise
 * an artificial document: the tokens stay an array, so each is one keyword term.
 */
function likeOf(
  modality: TokenClause['modality'],
  tokens: readonly string[],
  index: string,
  options: CompileOptions,
): unknown {
  if (options.likeText) return tokens.join(' ');
  return [{ _index: index, doc: { [lshField(modality)]: tokens } }];
}

/** The token match: one `more_like_this` per clause, OR-ed (none for a filter-only plan). */
function tokenClauses(plan: SimilarPlan, index: string, options: CompileOptions): unknown[] {
  return plan.clauses.map((clause) => ({
    more_like_this: {
      fields: [lshField(clause.modality)],
      like: likeOf(clause.modality, clause.tokens, index, options),
      ...(clause.unlike?.length
        ? { unlike: likeOf(clause.modality, clause.unlike, index, options) }
        : {}),
      ...(options.likeText ? { analyzer: 'whitespace' } : {}),
      min_term_freq: plan.mlt.minTermFreq,
      min_doc_freq: plan.mlt.minDocFreq,
      max_query_terms: plan.mlt.maxQueryTerms,
      minimum_should_match: plan.mlt.minimumShouldMatch,
      ...(plan.mlt.maxDocFreq !== undefined ? { max_doc_freq: plan.mlt.maxDocFreq } : {}),
      boost: clause.boost,
    },
  }));
}

/** Every word in the title or the text. */
function textMatch(text: string): unknown {
  // `multi_match` analyses the text like the indexed fields and never parses query syntax.
  return {
    multi_match: { query: text, fields: ['title', 'text'], type: 'cross_fields', operator: 'and' },
  };
}

/** The text and tag filters and the excluded ids, as filter clauses. */
function restrictions(plan: SimilarPlan): unknown[] {
  const filter: unknown[] = [];
  if (plan.textFilter !== null) filter.push(textMatch(plan.textFilter));
  filter.push(...tagFilterClauses(plan.tags));
  if (plan.excludeIds.length > 0) {
    filter.push({ bool: { must_not: [{ ids: { values: plan.excludeIds } }] } });
  }
  return filter;
}

/** Items with a vector of the asked modalities: the candidates of a filter-only plan. */
function withVectorsOf(plan: SimilarPlan): unknown {
  return { terms: { modalities: [...plan.vectorsFor] } };
}

/**
 * The query vector as sent to Elasticsearch: its own values at float32 precision (the shortest
 * decimals that give the same float32 back), not made unit length: Elasticsearch normalises the
 * query vector of a `cosine` field itself, so the scores are the same. Values whose squared norm
 * is far outside float32's range (Elasticsearch computes the norm in float32: tiny values would
 * reach 0, huge ones Infinity) are made unit length first. With `float32` off: unit length in
 * float64, as earlier releases sent it.
 */
function queryVector(vector: readonly number[], options: CompileOptions): number[] {
  if (!options.float32) return unitVector(vector);
  let squaredNorm = 0;
  for (let i = 0; i < vector.length; i++) squaredNorm += vector[i]! * vector[i]!;
  const raw = squaredNorm > 1e-30 && squaredNorm < 1e30;
  return float32Values(raw ? vector : unitVector(vector));
}

/**
 * How many best candidates each `knn` clause keeps. One modality: the hits asked for are the
 * exact top (every candidate has that vector), and a plan that counts its matches needs that
 * many to match. Several: every candidate within the rerank depth, since a hit of the fused top
 * may rank low in each modality alone.
 */
function knnK(plan: SimilarPlan, rank: ExactRanking, options: CompileOptions): number {
  if (!options.exactK || rank.queries.length > 1) return plan.candidates;
  return Math.min(plan.candidates, Math.max(rank.size, plan.countUpTo ?? 0));
}

interface SharedClauses {
  k: number;
  candidates: unknown[];
  several: boolean;
  /**
   * The candidate filter of the "lacking" clauses; empty when the `bool` states it once or
   * the `knn` clauses gate the candidates.
   */
  lackingFilter: unknown[];
}

/** The score clauses of one modality (see `rankedQuery`). */
function modalityClauses(
  q: RankQuery,
  weight: number,
  shared: SharedClauses,
  options: CompileOptions,
): unknown[] {
  const field = denseVectorField(q.modality);
  // A zero query vector has cosine 0 with everything (and Elasticsearch refuses it).
  if (isZeroNorm(q.vector)) {
    const filter = shared.lackingFilter.length > 0 ? shared.lackingFilter : [{ match_all: {} }];
    return [{ constant_score: { filter: { bool: { filter } }, boost: lackingScore(weight) } }];
  }
  const knn = {
    knn: {
      field,
      query_vector: queryVector(q.vector, options),
      // Flat fields are searched exactly: each modality keeps its `k` best candidates (k would
      // default to the request's size, and a modality's score would then reach only the
      // hits it ranks in the top `size` by itself).
      k: shared.k,
      num_candidates: shared.k,
      filter: shared.candidates,
      boost: weight,
    },
  };
  // One modality: every candidate shares its tokens, so it has that vector (or a zero one).
  if (!shared.several) return [knn];
  const lacking = {
    constant_score: {
      filter: { bool: { filter: shared.lackingFilter, must_not: [{ exists: { field } }] } },
      boost: lackingScore(weight),
    },
  };
  return [knn, lacking];
}

/**
 * Exact ranking in the same request: every candidate (an item sharing tokens with the query,
 * or for a filter-only plan any item passing the filter) is scored by brute force on the flat
 * `dense_vector` fields. A `knn` clause per modality, filtered to the candidates, scores
 * w·(1 + cos)/2 (Elasticsearch's cosine score); candidates without that vector get the w/2 of a
 * cosine of 0 from a `constant_score` clause. With weights summing to 1 the total is
 * (1 + weighted mean cosine)/2: the order is exact, and `exactScoreOf` recovers the mean.
 * With several modalities and `filterOnce`, the candidate filter is the `bool`'s own filter
 * and the "lacking" clauses test only the missing field. With several modalities and `knnGate`
 * (the default) there is no outer filter: a hit must match one of the `knn` clauses (`must`),
 * which are filtered to the candidates, and the "lacking" clauses only add to such hits. Every
 * candidate holds the vector of a modality it shares tokens in (or, filter-only, of an asked
 * modality), so while each `knn` keeps every candidate (k ≥ their number) the hits are the
 * same; beyond that, as before, a candidate outside every modality's k is dropped.
 */
function rankedQuery(
  plan: SimilarPlan,
  rank: ExactRanking,
  index: string,
  options: CompileOptions,
): { bool: Record<string, unknown> } {
  const tokens = tokenClauses(plan, index, options);
  const candidates = [
    tokens.length > 0 ? { bool: { should: tokens, minimum_should_match: 1 } } : withVectorsOf(plan),
    ...restrictions(plan),
  ];
  const several = rank.queries.length > 1;
  // The gate needs a `knn` clause: a plan whose query vectors are all zero keeps the filter.
  const gate = several && options.knnGate && rank.queries.some((q) => !isZeroNorm(q.vector));
  const outerFilter = several && options.filterOnce && !gate;
  const shared: SharedClauses = {
    k: knnK(plan, rank, options),
    candidates,
    several,
    lackingFilter: outerFilter || gate ? [] : candidates,
  };
  const weights = normalizedWeights(rank.queries);
  const should = rank.queries.flatMap((q, i) => modalityClauses(q, weights[i]!, shared, options));
  if (gate) {
    const isKnn = (c: unknown) => typeof c === 'object' && c !== null && 'knn' in c;
    return {
      bool: {
        must: [{ bool: { should: should.filter(isKnn), minimum_should_match: 1 } }],
        should: should.filter((c) => !isKnn(c)),
      },
    };
  }
  return {
    bool: { ...(outerFilter ? { filter: candidates } : {}), should, minimum_should_match: 1 },
  };
}

/** The weighted mean cosine of a hit of a ranked plan, from its score (see `rankedQuery`). */
export function exactScoreOf(score: number | null | undefined): number {
  return meanCosineOf(score);
}

export function compileSimilarQuery(
  plan: SimilarPlan,
  index: string,
  options: CompileOptions = LEAN_QUERY,
): SimilarSearchBody {
  if (plan.rank) {
    const keys = options.docValueHits && plan.hitContent === 'keys';
    return {
      size: Math.min(plan.rank.size, plan.candidates),
      track_total_hits: plan.countUpTo ?? false,
      query: rankedQuery(plan, plan.rank, index, options),
      ...(keys
        ? { _source: false, stored_fields: ['_none_'], docvalue_fields: KEY_HIT_FIELDS }
        : { _source: { includes: HIT_FIELDS } }),
    };
  }
  const should = tokenClauses(plan, index, options);
  // With no token clause the plan is filter-only: items with a vector of the asked modalities.
  const bool: Record<string, unknown> =
    should.length > 0 ? { should, minimum_should_match: 1 } : {};
  const filter: unknown[] = should.length > 0 ? [] : [withVectorsOf(plan)];
  if (plan.textFilter !== null) filter.push(textMatch(plan.textFilter));
  filter.push(...tagFilterClauses(plan.tags));
  if (filter.length > 0) bool.filter = filter;
  if (plan.excludeIds.length > 0) bool.must_not = [{ ids: { values: plan.excludeIds } }];
  return {
    size: plan.candidates,
    track_total_hits: plan.countUpTo ?? false,
    query: { bool },
    _source: {
      includes: [...HIT_FIELDS, ...plan.vectorsFor.map(encodedVectorPath)],
    },
  };
}
