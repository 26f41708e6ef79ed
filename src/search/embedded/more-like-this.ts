import { ErrorCode, LshqlError } from '../../domain/errors.js';
import type { MoreLikeThisSettings } from '../query-plan.js';

/**
 * Elasticsearch's `more_like_this` over an LSH token field, as Lucene runs it: which terms of the
 * `like` tokens (less the `unlike` ones) become the query (`selectTerms`), how many of them a hit must hold
 * (`minimumShouldMatchCount`), and what each matched term adds to the hit's score
 * (`bm25TermWeight`). The clause's score is the plain sum of its matched terms' weights.
 */

/** What Lucene reads of the index to select and score the terms of one token field. */
export interface TokenFieldStats {
  /** Items in the index (Lucene's `numDocs`, for term selection). */
  readonly numDocs: number;
  /** Items holding a token in this field (the field's `docCount`, for BM25). */
  readonly docCount: number;
  /** Distinct tokens per item summed over the items (`sumTotalTermFreq` of a keyword field). */
  readonly sumDocFreq: number;
  /** How many items hold `term` in this field. */
  docFreq(term: string): number;
}

/** Elasticsearch's BM25 defaults. */
const K1 = 1.2;
const B = 0.75;

/**
 * Lucene MoreLikeThis term selection: the `like` tokens with their frequency there; drop those
 * under `minTermFreq`, under `minDocFreq`, over `maxDocFreq` or in no item; keep the
 * `maxQueryTerms` best by tf × idf (ClassicSimilarity idf). Equal scores keep the tokens' order,
 * where Lucene's keeps its hash order: they only matter when `maxQueryTerms` cuts among them.
 */
export function selectTerms(
  tokens: readonly string[],
  stats: TokenFieldStats,
  mlt: MoreLikeThisSettings,
  unlike: readonly string[] = [],
): string[] {
  // Elasticsearch's `unlike` makes its terms skip terms: never selected, whatever their score.
  const skip = new Set(unlike);
  const termFreq = new Map<string, number>();
  for (const token of tokens) {
    if (!skip.has(token)) termFreq.set(token, (termFreq.get(token) ?? 0) + 1);
  }
  const maxDocFreq = mlt.maxDocFreq ?? Number.POSITIVE_INFINITY;
  const scored: { term: string; score: number }[] = [];
  for (const [term, tf] of termFreq) {
    if (mlt.minTermFreq > 0 && tf < mlt.minTermFreq) continue;
    const df = stats.docFreq(term);
    if ((mlt.minDocFreq > 0 && df < mlt.minDocFreq) || df > maxDocFreq || df === 0) continue;
    const idf = Math.log((stats.numDocs + 1) / (df + 1)) + 1;
    scored.push({ term, score: tf * idf });
  }
  scored.sort((a, b) => b.score - a.score);
  return scored.slice(0, Math.max(0, mlt.maxQueryTerms)).map((s) => s.term);
}

/**
 * The score one matched term adds to a hit, as Lucene's BM25 gives it on a `keyword` field:
 * indexed without frequencies (tf is 1) nor norms (every item counts as length 1), so the weight
 * depends only on the term's document frequency and the field's statistics. Elasticsearch's BM25
 * (Lucene's `LegacyBM25Similarity`) keeps the `k1 + 1` factor in the numerator.
 */
export function bm25TermWeight(df: number, stats: TokenFieldStats): number {
  if (df === 0 || stats.docCount === 0) return 0;
  const idf = Math.log(1 + (stats.docCount - df + 0.5) / (df + 0.5));
  const averageLength = stats.sumDocFreq / stats.docCount;
  const normInverse = 1 / (K1 * (1 - B + B / averageLength));
  return (K1 + 1) * (idf - idf / (1 + normInverse));
}

const SPEC = /^(-?\d+)(%?)$/;

/**
 * Elasticsearch's `minimum_should_match` for `optionalClauses` clauses, in the forms the
 * configuration allows: a count (`"3"`), a count that may be missing (`"-1"`), a percentage
 * (`"75%"`) or a percentage that may be missing (`"-25%"`); rounded down as Elasticsearch does
 * (`Queries.calculateMinShouldMatch`, which computes percentages in 32-bit floats).
 */
export function minimumShouldMatchCount(optionalClauses: number, spec: string): number {
  const match = SPEC.exec(spec.trim());
  if (!match) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `minimum_should_match "${spec}" is not supported: use a count ("2"), a percentage ("30%") or a negative one ("-1", "-25%").`,
    );
  }
  const value = Number.parseInt(match[1]!, 10);
  const calc =
    match[2] === '%'
      ? Math.trunc(Math.fround(Math.fround(optionalClauses * value) * Math.fround(0.01)))
      : value;
  return Math.max(0, calc < 0 ? optionalClauses + calc : calc);
}
