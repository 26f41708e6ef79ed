import type { Candidate, CandidateList } from '../backend.js';
import { rankExactly } from '../exact-rank.js';
import { passesTags, type TagFilter } from '../item-filter.js';
import type { SimilarPlan, TokenClause } from '../query-plan.js';
import { copyView, type ItemMap } from './item-map.js';
import { bm25TermWeight, minimumShouldMatchCount, selectTerms } from './more-like-this.js';
import type { TokenIndex } from './token-index.js';

/** The filter clauses of a plan: the text and tag filters and the excluded ids. */
interface Restrictions {
  /** Items matching the text filter; null when the plan has none. */
  allowed: ReadonlySet<string> | null;
  tags: TagFilter | null;
  items: ItemMap;
  excluded: ReadonlySet<string>;
}

function admits({ allowed, tags, items, excluded }: Restrictions, id: string): boolean {
  if (excluded.has(id) || (allowed !== null && !allowed.has(id))) return false;
  return tags === null || passesTags(items.get(id)?.tags ?? [], tags);
}

/**
 * One `more_like_this` clause: the items holding at least `minimumShouldMatch` of the selected
 * terms, each scoring the sum of its matched terms' BM25 weights times the clause's boost.
 */
function addClauseScores(
  clause: TokenClause,
  plan: SimilarPlan,
  context: { items: ItemMap; index: TokenIndex; restrictions: Restrictions },
  scores: Map<string, number>,
): void {
  const stats = context.items.tokenStats(clause.modality);
  const terms = selectTerms(clause.tokens, stats, plan.mlt, clause.unlike);
  if (terms.length === 0) return;
  const required = minimumShouldMatchCount(terms.length, plan.mlt.minimumShouldMatch);
  if (required > terms.length) return;
  const weights = new Map(terms.map((term) => [term, bm25TermWeight(stats.docFreq(term), stats)]));
  for (const match of context.index.matchTokens(clause.modality, terms)) {
    if (match.terms.length < required || !admits(context.restrictions, match.id)) continue;
    let score = 0;
    for (const term of match.terms) score += weights.get(term) ?? 0;
    scores.set(match.id, (scores.get(match.id) ?? 0) + score * clause.boost);
  }
}

/**
 * The candidates of a filter-only plan (no token clause), as Elasticsearch's `withVectorsOf`
 * filter finds them: every item passing the restrictions whose `modalities` name one of
 * `vectorsFor`. Without a text filter that is every such item.
 */
function filterOnlyCandidates(
  plan: SimilarPlan,
  items: ItemMap,
  restrictions: Restrictions,
): Map<string, number> {
  const scores = new Map<string, number>();
  for (const id of restrictions.allowed ?? items.ids()) {
    const item = items.get(id);
    if (!item || !admits(restrictions, id)) continue;
    if (item.modalities.some((m) => plan.vectorsFor.includes(m))) scores.set(id, 0);
  }
  return scores;
}

/**
 * Runs a plan with the meaning Elasticsearch gives the query `compileSimilarQuery` builds from
 * it. The token clauses are OR-ed (`should`), their scores adding up; the text filter and
 * `excludeIds` only remove hits; a plan without clauses is filter-only. Unranked, the best
 * `plan.candidates` come back by score, ties to the item written first (Lucene's lower doc
 * id). Ranked, every candidate is scored exactly (Elasticsearch's flat `knn`), handed over in
 * write order so equal exact scores also go to the item written first.
 */
export function runSimilarPlan(
  plan: SimilarPlan,
  items: ItemMap,
  index: TokenIndex,
): CandidateList {
  if (plan.candidates < 1) return [];
  const restrictions: Restrictions = {
    allowed: plan.textFilter === null ? null : index.matchText(plan.textFilter),
    tags: plan.tags ?? null,
    items,
    excluded: new Set(plan.excludeIds),
  };
  if (restrictions.allowed?.size === 0) return [];
  let scores: Map<string, number>;
  if (plan.clauses.length === 0) {
    scores = filterOnlyCandidates(plan, items, restrictions);
  } else {
    scores = new Map();
    for (const clause of plan.clauses) {
      addClauseScores(clause, plan, { items, index, restrictions }, scores);
    }
  }
  const byWriteOrder = (a: string, b: string) => items.seqNo(a) - items.seqNo(b);
  const ids = plan.rank
    ? [...scores.keys()].sort(byWriteOrder)
    : [...scores]
        .sort((a, b) => b[1] - a[1] || byWriteOrder(a[0], b[0]))
        .slice(0, plan.candidates)
        .map(([id]) => id);
  const candidates = ids.flatMap((id): Candidate[] => {
    const item = items.get(id);
    if (!item) return [];
    const vectors: Candidate['vectors'] = {};
    for (const m of plan.vectorsFor) {
      const vector = item.vectors[m];
      // Ranking here reads the stored arrays; only vectors handed out are copies.
      if (vector) vectors[m] = plan.rank ? vector : [...vector];
    }
    return [{ item: copyView(item), vectors, modelVersions: { ...item.modelVersions } }];
  });
  let result: CandidateList = candidates;
  if (plan.rank) {
    // Elasticsearch's ranked request asks for at most `candidates` hits.
    const size = Math.min(plan.rank.size, plan.candidates);
    result = rankExactly(candidates, { ...plan.rank, size }, plan.candidates);
  }
  if (plan.countUpTo !== undefined) {
    // Ranked, Elasticsearch matches each modality's `candidates` best (its knn `k`).
    const matched = plan.rank ? Math.min(scores.size, plan.candidates) : scores.size;
    result.matched = Math.min(matched, plan.countUpTo);
  }
  return result;
}
