import { lshField, modalityKey } from '../modality.js';
import type { SimilarPlan, TokenClause } from '../query-plan.js';

/** The body of one `_search` request: a single `bool` query built from a plan. */
export interface SimilarSearchBody {
  size: number;
  track_total_hits: false;
  query: { bool: Record<string, unknown> };
  _source: { includes: string[] };
}

function likeOf(clause: TokenClause, index: string): unknown[] {
  if (clause.like.kind === 'item') return [{ _index: index, _id: clause.like.id }];
  // An artificial document: the tokens stay an array, so each is one keyword term.
  return [{ _index: index, doc: { [lshField(clause.modality)]: clause.like.tokens } }];
}

export function compileSimilarQuery(plan: SimilarPlan, index: string): SimilarSearchBody {
  const should = plan.clauses.map((clause) => ({
    more_like_this: {
      fields: [lshField(clause.modality)],
      like: likeOf(clause, index),
      min_term_freq: plan.mlt.minTermFreq,
      min_doc_freq: plan.mlt.minDocFreq,
      max_query_terms: plan.mlt.maxQueryTerms,
      minimum_should_match: plan.mlt.minimumShouldMatch,
      ...(plan.mlt.maxDocFreq !== undefined ? { max_doc_freq: plan.mlt.maxDocFreq } : {}),
      boost: clause.boost,
    },
  }));
  // With no token clause the plan is filter-only: items with a vector of the asked modalities.
  const bool: Record<string, unknown> =
    should.length > 0 ? { should, minimum_should_match: 1 } : {};
  const filter: unknown[] =
    should.length > 0 ? [] : [{ terms: { modalities: [...plan.vectorsFor] } }];
  if (plan.textFilter !== null) {
    // `multi_match` analyses the text like the indexed fields and never parses query syntax.
    filter.push({
      multi_match: {
        query: plan.textFilter,
        fields: ['title', 'text'],
        type: 'cross_fields',
        operator: 'and',
      },
    });
  }
  if (filter.length > 0) bool.filter = filter;
  if (plan.excludeIds.length > 0) bool.must_not = [{ ids: { values: plan.excludeIds } }];
  return {
    size: plan.candidates,
    track_total_hits: false,
    query: { bool },
    _source: {
      includes: [
        'id',
        'title',
        'text',
        'tags',
        'modalities',
        'image_model_version',
        'text_model_version',
        ...plan.vectorsFor.map((m) => `vectors.${modalityKey(m)}`),
      ],
    },
  };
}
