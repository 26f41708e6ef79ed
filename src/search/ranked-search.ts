import type { Candidate, CandidateList, SearchBackend } from './backend.js';
import { MAX_PAGE_DEPTH } from './cursor.js';
import { exactScore, mergeRanked } from './exact-rank.js';
import { lazyExplainer, type ExplainedQuery } from './explanation.js';
import type { PlanFilter } from './item-filter.js';
import { cutPage, fetchSize, type PageRequest } from './page.js';
import {
  DEFAULT_MLT_SETTINGS,
  type HitContent,
  type MoreLikeThisSettings,
  type RankQuery,
  type SimilarPlan,
} from './query-plan.js';
import type { QuerySpec } from './similar-to-items.js';
import type { SimilarResultModel } from './similar-service.js';

export interface RankedSearchOptions {
  /** See `SimilarOptions.rerankDepth`. */
  rerankDepth: number;
  /** Filter-only candidates fetched when a filter leaves too few token matches. */
  filterFallbackLimit: number;
  mlt: Partial<MoreLikeThisSettings>;
}

/** A request's checked filter and page. */
export interface Prepared {
  filter: PlanFilter;
  page: PageRequest;
  /** What the hits must carry (from the client's selection). */
  hitContent: HitContent;
}

/**
 * One page of a query: the plan sent to the backend (token match, filters, exact ranking),
 * the filter-only ranking when a filter leaves too few token matches, the page cut out of the
 * ranking and the hits' lazy explanations.
 */
export class RankedSearch {
  constructor(
    private readonly backend: SearchBackend,
    private readonly options: RankedSearchOptions,
  ) {}

  private plan(spec: QuerySpec, prepared: Prepared, size: number): SimilarPlan {
    const filter = prepared.filter;
    const tokensPerClause = Math.max(1, ...spec.clauses.map((c) => c.tokens.length));
    return {
      clauses: spec.clauses,
      textFilter: filter.text,
      tags: filter.tags,
      excludeIds: spec.excludeIds,
      candidates: Math.max(size, this.options.rerankDepth),
      mlt: {
        ...DEFAULT_MLT_SETTINGS,
        // Every token of the query must be eligible: cap at least at tokens per item.
        maxQueryTerms: tokensPerClause,
        ...this.options.mlt,
      },
      vectorsFor: spec.queries.map((q) => q.modality),
      ...(this.options.rerankDepth > 0 ? { rank: { queries: spec.queries, size } } : {}),
      hitContent: prepared.hitContent,
    };
  }

  /** Runs the plan; unranked (depth 0), the hits keep the token order and get their cosine. */
  private async execute(plan: SimilarPlan, queries: RankQuery[]): Promise<CandidateList> {
    const candidates = await this.backend.executeSimilar(plan);
    if (plan.rank) return candidates;
    const scored: CandidateList = candidates.map((c) => ({
      ...c,
      vectors: {},
      exactScore: exactScore(c.vectors, queries),
    }));
    if (candidates.matched !== undefined) scored.matched = candidates.matched;
    return scored;
  }

  /**
   * How many token-match candidates a filtered query needs to skip the filter-only ranking:
   * the depth limit, so pages never switch between the two (the ranking counts at most the
   * rerank depth, and unranked the page's own size decides).
   */
  private fallbackThreshold(size: number): number {
    const depth = this.options.rerankDepth;
    return depth > 0 ? Math.min(MAX_PAGE_DEPTH + 1, depth) : size;
  }

  /**
   * With a filter, the token match also counts its candidates up to the depth limit. When
   * fewer than that pass the filter (or fewer than `size`), the filter's other matches are
   * ranked too (up to a bound), so that exact re-ranking returns `size` hits whenever that many
   * items pass the filter. The choice depends on the query, not on the page: every page of
   * one query ranks the same candidates.
   */
  private async withFilterFallback(
    plan: SimilarPlan,
    queries: RankQuery[],
    size: number,
  ): Promise<Candidate[]> {
    const filtered = plan.textFilter !== null || !!plan.tags;
    if (!filtered) return this.execute(plan, queries);
    const enough = this.fallbackThreshold(size);
    const candidates = await this.execute({ ...plan, countUpTo: enough }, queries);
    const matched = candidates.matched ?? candidates.length;
    if (candidates.length >= size && matched >= enough) return candidates;
    const more = await this.execute(
      {
        ...plan,
        clauses: [],
        excludeIds: [...plan.excludeIds, ...candidates.map((c) => c.item.id)],
        candidates: Math.max(plan.candidates, this.options.filterFallbackLimit),
      },
      queries,
    );
    return plan.rank
      ? mergeRanked([candidates, more], size)
      : [...candidates, ...more].slice(0, size);
  }

  /** Searches, cuts the page and attaches the (lazy) explanations. */
  async run(
    spec: QuerySpec,
    prepared: Prepared,
  ): Promise<{ result: SimilarResultModel; candidates: Candidate[] }> {
    const size = fetchSize(prepared.page);
    const plan = this.plan(spec, prepared, size);
    const ranked = await this.withFilterFallback(plan, spec.queries, size);
    const page = cutPage(ranked, prepared.page);
    const hits = page.hits;
    const explain = lazyExplainer(
      hits.map((c) => c.item.id),
      explainedQueries(spec),
      (ids) => this.backend.getItems(ids, { withVectors: true }),
    );
    return {
      candidates: hits,
      result: {
        hits: hits.map((c) => {
          const score = c.exactScore ?? 0;
          return {
            item: c.item,
            score,
            explain: () => explain(c.item.id, score),
            ...(c.keysOnly ? { keysOnly: c.keysOnly } : {}),
          };
        }),
        modelVersions: spec.modelVersions,
        get nextCursor() {
          return page.nextCursor;
        },
      },
    };
  }
}

/** Per ranked modality, the vector and the tokens the search selected (liked, not unliked). */
function explainedQueries(spec: QuerySpec): ExplainedQuery[] {
  return spec.queries.map((q) => {
    const clause = spec.clauses.find((c) => c.modality === q.modality);
    const unlike = new Set(clause?.unlike ?? []);
    const tokens = new Set((clause?.tokens ?? []).filter((t) => !unlike.has(t)));
    return { modality: q.modality, vector: q.vector, tokens };
  });
}
