import type { Modality } from '../domain/modalities.js';
import type { TagFilter } from './item-filter.js';

/**
 * One modality's token match: items sharing tokens with `tokens` (a stored item's own tokens, or
 * tokens hashed from a vector; always sent, so the backend never loads the item again).
 */
export interface TokenClause {
  modality: Modality;
  tokens: string[];
  boost: number;
  /** Tokens of items the query is unlike: never selected as query terms (`unlike`). */
  unlike?: string[];
}

/**
 * `more_like_this` settings for LSH tokens. Elasticsearch's defaults (min_term_freq 2,
 * min_doc_freq 5, max_query_terms 25) drop every token of an item (each occurs once) or the
 * rarest, most telling ones, so the plan always states them.
 */
export interface MoreLikeThisSettings {
  minTermFreq: number;
  minDocFreq: number;
  maxQueryTerms: number;
  minimumShouldMatch: string;
  /** Skip tokens held by more than this many items (they select nothing). */
  maxDocFreq?: number;
}

/** One query vector of the exact ranking, with its relative weight. */
export interface RankQuery {
  modality: Modality;
  vector: readonly number[];
  weight: number;
}

/**
 * Exact re-ranking of the token-match candidates, done by the backend next to the stored
 * vectors: the weighted mean cosine similarity over `queries` (a missing modality scores 0).
 */
export interface ExactRanking {
  queries: RankQuery[];
  /** Ranked hits to return (the best `size` of the plan's `candidates`). */
  size: number;
}

/**
 * What each hit must carry: `full` items (title, text, tags), or `keys` only (id, modalities,
 * model versions), which a backend may read without loading the stored document.
 */
export type HitContent = 'full' | 'keys';

/** A backend-neutral "items like this" query: token clauses OR-ed, text filter AND-ed. */
export interface SimilarPlan {
  clauses: TokenClause[];
  /** Every word must match the title or the text (analysed full text); null for no filter. */
  textFilter: string | null;
  /** Tag constraints on the `tags` keyword field; absent or null for none. */
  tags?: TagFilter | null;
  excludeIds: string[];
  /** How many token-match candidates to return for exact re-ranking. */
  candidates: number;
  mlt: MoreLikeThisSettings;
  /**
   * Modalities the candidates must have a vector of (the filter-only plan keeps only those);
   * without `rank`, the candidates carry these vectors back.
   */
  vectorsFor: Modality[];
  /** Also count the matched candidates, up to this many (see `CandidateList`). */
  countUpTo?: number;
  /** When set, the backend ranks the candidates exactly and returns the best `rank.size`. */
  rank?: ExactRanking;
  /** What the hits carry (default `full`); `keys` applies to ranked plans only. */
  hitContent?: HitContent;
}

export const DEFAULT_MLT_SETTINGS: Omit<MoreLikeThisSettings, 'maxQueryTerms'> = {
  minTermFreq: 1,
  minDocFreq: 1,
  minimumShouldMatch: '1',
};
