import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { ActiveModel, ModelRegistry } from '../models/model-registry.js';
import { checkVector } from '../domain/vectors.js';
import type { Candidate, RevisionCheck, SearchBackend } from './backend.js';
import { QueryItemCache, type CachedQueryItem } from './query-item-cache.js';
import type { Modality } from '../domain/modalities.js';
import { exactScore, mergeRanked } from './exact-rank.js';
import {
  DEFAULT_MLT_SETTINGS,
  type MoreLikeThisSettings,
  type RankQuery,
  type SimilarPlan,
  type TokenClause,
} from './query-plan.js';
import type { ItemView, StoredItem } from '../domain/item.js';

export interface SimilarHitResult {
  item: ItemView;
  score: number;
}

export interface SimilarResultModel {
  hits: SimilarHitResult[];
  modelVersions: { modality: Modality; version: number }[];
}

export interface SimilarOptions {
  maxFirst: number;
  /**
   * Exact ranking of the token-match candidates on their vectors keeps this many best per
   * modality before modalities are combined; 0 turns it off (hits in token-match order).
   */
  rerankDepth: number;
  /** Also look up each subspace's next-nearest centroids for by-vector queries (1 = off). */
  probes: number;
  maxTextFilterLength: number;
  /** Filter-only candidates fetched when a text filter leaves too few token matches. */
  filterFallbackLimit: number;
  mlt: Partial<MoreLikeThisSettings>;
  /** Query items kept between `similar` requests (0 = read every time; see QueryItemCache). */
  queryItemCache?: number;
}

export interface SimilarRequest {
  id: string;
  textFilter?: string | null;
  modalities?: readonly Modality[] | null;
  first?: number | null;
  weights?: Partial<Record<Modality, number>> | null;
}

export interface SimilarToVectorRequest {
  modality: Modality;
  vector: readonly number[];
  textFilter?: string | null;
  first?: number | null;
}

/** Largest per-modality weight: they are relative, so this leaves room for any real ratio. */
const MAX_WEIGHT = 1_000_000;

/**
 * "Items like this": a token match (more_like_this on the LSH fields, filtered by text) finds
 * candidates, which the backend re-ranks by exact cosine similarity on their stored vectors.
 */
export class SimilarService {
  private readonly queryItems: QueryItemCache;

  constructor(
    private readonly backend: SearchBackend,
    private readonly registry: ModelRegistry,
    private readonly options: SimilarOptions,
  ) {
    this.queryItems = new QueryItemCache(
      backend.executeSimilarChecked ? (options.queryItemCache ?? 0) : 0,
    );
  }

  private checkFirst(first: number | null | undefined): number {
    const value = first ?? 10;
    if (!Number.isInteger(value) || value < 1 || value > this.options.maxFirst) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `first must be between 1 and ${this.options.maxFirst}.`,
      );
    }
    return value;
  }

  private checkTextFilter(textFilter: string | null | undefined): string | null {
    if (textFilter === null || textFilter === undefined) return null;
    if (textFilter.length > this.options.maxTextFilterLength) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `textFilter may have at most ${this.options.maxTextFilterLength} characters.`,
      );
    }
    // Control characters carry no words; an all-blank filter means no filter.
    // eslint-disable-next-line no-control-regex
    const cleaned = textFilter.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
    return cleaned === '' ? null : cleaned;
  }

  private plan(
    clauses: TokenClause[],
    queries: RankQuery[],
    textFilter: string | null,
    excludeIds: string[],
    first: number,
    tokensPerClause: number,
  ): SimilarPlan {
    return {
      clauses,
      textFilter,
      excludeIds,
      candidates: Math.max(first, this.options.rerankDepth),
      mlt: {
        ...DEFAULT_MLT_SETTINGS,
        // Every token of the query must be eligible: cap at least at tokens per item.
        maxQueryTerms: tokensPerClause,
        ...this.options.mlt,
      },
      vectorsFor: queries.map((q) => q.modality),
      ...(this.options.rerankDepth > 0 ? { rank: { queries, size: first } } : {}),
    };
  }

  /**
   * Runs the plan; unranked (depth 0), the hits keep the token order and get their cosine.
   * With a `check`, null when the query item no longer has the revision it was read at.
   */
  private async execute(
    plan: SimilarPlan,
    queries: RankQuery[],
    check?: RevisionCheck,
  ): Promise<Candidate[] | null> {
    let candidates: Candidate[];
    if (check && this.backend.executeSimilarChecked) {
      const answer = await this.backend.executeSimilarChecked(plan, check);
      if (!answer.unchanged) return null;
      candidates = answer.candidates;
    } else {
      candidates = await this.backend.executeSimilar(plan);
    }
    if (plan.rank) return candidates;
    return candidates.map((c) => ({
      ...c,
      vectors: {},
      exactScore: exactScore(c.vectors, queries),
    }));
  }

  /** The item's own tokens, or with multi-probe its vector's probe tokens under the same model. */
  private async queryTokens(
    modality: Modality,
    vector: readonly number[],
    tokens: string[],
    version: number,
  ): Promise<string[]> {
    if (this.options.probes <= 1) return tokens;
    const active = await this.registry.active(modality);
    return active?.record.version === version
      ? active.hasher.probeTokens(vector, this.options.probes)
      : tokens;
  }

  async similar(request: SimilarRequest): Promise<SimilarResultModel> {
    const first = this.checkFirst(request.first);
    const textFilter = this.checkTextFilter(request.textFilter);
    const cached = await this.cachedQueryItem(request.id);
    if (cached) {
      const check = { id: cached.item.id, revision: cached.revision };
      // An answer refused for the cached state (no tokens yet, a modality it lacked) is
      // given only after reading the item anew, like a changed revision.
      const answer = await this.similarTo(cached.item, request, first, textFilter, check).catch(
        (error: unknown) => {
          if (error instanceof LshqlError) return null;
          throw error;
        },
      );
      if (answer) return answer;
      this.queryItems.delete(request.id);
    }
    const item = await this.readQueryItem(request.id);
    const answer = await this.similarTo(item, request, first, textFilter);
    if (!answer) throw new Error('A similar search without a revision check was refused.');
    return answer;
  }

  /** The query item as read by an earlier request, if its tokens are of the active models. */
  private async cachedQueryItem(id: string): Promise<CachedQueryItem | undefined> {
    const entry = this.queryItems.get(id);
    if (!entry) return undefined;
    for (const [modality, version] of Object.entries(entry.item.modelVersions)) {
      const active = await this.registry.active(modality as Modality);
      if (active?.record.version !== version) {
        this.queryItems.delete(id);
        return undefined;
      }
    }
    return entry;
  }

  private async readQueryItem(id: string): Promise<StoredItem> {
    const [item] = await this.backend.getItems([id], { withVectors: true });
    if (!item) {
      throw new LshqlError(ErrorCode.NOT_FOUND, `No item has id "${id}".`, { id });
    }
    if (item.revision !== undefined) this.queryItems.set(id, { item, revision: item.revision });
    return item;
  }

  /**
   * `similar` for a query item at hand. With a `check` (the item came from the cache), null
   * when the item changed since: its revision, or the model versions of the hits' tokens.
   */
  private async similarTo(
    item: StoredItem,
    request: SimilarRequest,
    first: number,
    textFilter: string | null,
    check?: RevisionCheck,
  ): Promise<SimilarResultModel | null> {
    const modalities = request.modalities?.length
      ? [...new Set(request.modalities)]
      : item.modalities;
    if (modalities.length === 0) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `Item "${item.id}" has no vectors, so nothing can be similar to it.`,
      );
    }
    const queries: RankQuery[] = [];
    const clauses: TokenClause[] = [];
    const modelVersions: SimilarResultModel['modelVersions'] = [];
    let tokensPerClause = 1;
    for (const modality of modalities) {
      const vector = item.vectors[modality];
      if (!vector) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `Item "${item.id}" has no ${modality} vector; ask for the modalities it has: ${item.modalities.join(', ') || 'none'}.`,
        );
      }
      const tokens = item.tokens[modality];
      const version = item.modelVersions[modality];
      if (!tokens || version === undefined) {
        throw new LshqlError(
          ErrorCode.MODEL_NOT_TRAINED,
          `Item "${item.id}" has no ${modality} tokens yet: train a ${modality} model with trainModel.`,
          { modality },
        );
      }
      const weight = request.weights?.[modality] ?? 1;
      // Bounded: weights become Elasticsearch boosts (32-bit floats; 1e308 overflowed there).
      if (!Number.isFinite(weight) || weight < 0 || weight > MAX_WEIGHT) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `Weights must be between 0 and ${MAX_WEIGHT.toLocaleString('en-US')}.`,
        );
      }
      // The tokens are at hand: Elasticsearch need not load the item again (`like` by id).
      const like = await this.queryTokens(modality, vector, tokens, version);
      clauses.push({ modality, tokens: like, boost: weight });
      queries.push({ modality, vector, weight });
      modelVersions.push({ modality, version });
      tokensPerClause = Math.max(tokensPerClause, like.length);
    }
    const plan = this.plan(clauses, queries, textFilter, [item.id], first, tokensPerClause);
    const candidates = await this.withFilterFallback(plan, queries, first, check);
    if (!candidates) return null;
    // A cached item's tokens may predate a model switch another instance made.
    if (
      check &&
      candidates.some((c) =>
        modelVersions.some(
          ({ modality, version }) =>
            c.modelVersions[modality] !== undefined && c.modelVersions[modality] !== version,
        ),
      )
    ) {
      return null;
    }
    return { hits: candidates.map(toHit), modelVersions };
  }

  /**
   * The token match, and when a text filter leaves fewer than `first` candidates sharing a
   * token, also the filter's other matches (up to a bound) so that exact re-ranking can still
   * return `first` hits whenever that many items match the filter.
   */
  private async withFilterFallback(
    plan: SimilarPlan,
    queries: RankQuery[],
    first: number,
    check?: RevisionCheck,
  ): Promise<Candidate[] | null> {
    const candidates = await this.execute(plan, queries, check);
    if (!candidates) return null;
    if (plan.textFilter === null || candidates.length >= first) return candidates;
    const more = await this.execute(
      {
        ...plan,
        clauses: [],
        excludeIds: [...plan.excludeIds, ...candidates.map((c) => c.item.id)],
        candidates: Math.max(plan.candidates, this.options.filterFallbackLimit),
      },
      queries,
    );
    if (!more) return null;
    return plan.rank
      ? mergeRanked([candidates, more], first)
      : [...candidates, ...more].slice(0, first);
  }

  async similarToVector(request: SimilarToVectorRequest): Promise<SimilarResultModel> {
    const first = this.checkFirst(request.first);
    const textFilter = this.checkTextFilter(request.textFilter);
    let active = await this.registry.requireActive(request.modality);
    checkVector(request.vector, request.modality, active.model.dim);
    let answer = await this.byVector(request, active, textFilter, first);
    // Another instance may have activated a newer model since this one cached its own: the
    // candidates then carry other versions. Hash again with the current model, once.
    if (answer.stale) {
      active = await this.registry.requireActive(request.modality, { fresh: true });
      checkVector(request.vector, request.modality, active.model.dim);
      answer = await this.byVector(request, active, textFilter, first);
    }
    return answer.result;
  }

  private async byVector(
    request: SimilarToVectorRequest,
    active: ActiveModel,
    textFilter: string | null,
    first: number,
  ): Promise<{ result: SimilarResultModel; stale: boolean }> {
    const tokens =
      this.options.probes > 1
        ? active.hasher.probeTokens(request.vector, this.options.probes)
        : active.hasher.hashOne(request.vector);
    const clauses: TokenClause[] = [{ modality: request.modality, tokens, boost: 1 }];
    const queries: RankQuery[] = [
      { modality: request.modality, vector: request.vector, weight: 1 },
    ];
    const plan = this.plan(clauses, queries, textFilter, [], first, tokens.length);
    const candidates = (await this.withFilterFallback(plan, queries, first)) ?? [];
    const version = active.record.version;
    return {
      stale: candidates.some(
        (c) =>
          c.modelVersions[request.modality] !== undefined &&
          c.modelVersions[request.modality] !== version,
      ),
      result: {
        hits: candidates.map(toHit),
        modelVersions: [{ modality: request.modality, version }],
      },
    };
  }
}

function toHit(candidate: Candidate): SimilarHitResult {
  return { item: candidate.item, score: candidate.exactScore ?? 0 };
}
