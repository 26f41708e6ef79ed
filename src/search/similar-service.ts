import { ErrorCode, LshqlError } from '../errors.js';
import { cosineSimilarity } from '../lsh/vector-math.js';
import type { ActiveModel, ModelRegistry } from '../lsh/registry/model-registry.js';
import { checkVector, DEFAULT_ITEM_LIMITS } from '../ingest/item-input.js';
import type { Candidate, SearchBackend } from './backend.js';
import type { Modality } from './modality.js';
import {
  DEFAULT_MLT_SETTINGS,
  type MoreLikeThisSettings,
  type SimilarPlan,
  type TokenClause,
} from './query-plan.js';
import type { ItemView } from './stored-item.js';

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
  /** Token-match candidates fetched per query and re-ranked exactly on their vectors. */
  rerankDepth: number;
  /** Also look up each subspace's next-nearest centroids for by-vector queries (1 = off). */
  probes: number;
  maxTextFilterLength: number;
  /** Filter-only candidates fetched when a text filter leaves too few token matches. */
  filterFallbackLimit: number;
  mlt: Partial<MoreLikeThisSettings>;
}

export interface SimilarRequest {
  id: string;
  textFilter?: string | null;
  modalities?: readonly Modality[] | null;
  first?: number | null;
  weights?: Partial<Record<Modality, number | null>> | null;
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
 * candidates, which are then re-ranked by exact cosine similarity on their stored vectors.
 */
export class SimilarService {
  constructor(
    private readonly backend: SearchBackend,
    private readonly registry: ModelRegistry,
    private readonly options: SimilarOptions,
  ) {}

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
      vectorsFor: clauses.map((c) => c.modality),
    };
  }

  async similar(request: SimilarRequest): Promise<SimilarResultModel> {
    const first = this.checkFirst(request.first);
    const textFilter = this.checkTextFilter(request.textFilter);
    const [item] = await this.backend.getItems([request.id], { withVectors: true });
    if (!item) {
      throw new LshqlError(ErrorCode.NOT_FOUND, `No item has id "${request.id}".`, {
        id: request.id,
      });
    }
    const modalities = request.modalities?.length
      ? [...new Set(request.modalities)]
      : item.modalities;
    if (modalities.length === 0) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `Item "${item.id}" has no vectors, so nothing can be similar to it.`,
      );
    }
    const queryVectors: Partial<Record<Modality, number[]>> = {};
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
      queryVectors[modality] = vector;
      const weight = request.weights?.[modality] ?? 1;
      // Bounded: weights become Elasticsearch boosts (32-bit floats; 1e308 overflowed there).
      if (!Number.isFinite(weight) || weight < 0 || weight > MAX_WEIGHT) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `Weights must be between 0 and ${MAX_WEIGHT.toLocaleString('en-US')}.`,
        );
      }
      clauses.push({ modality, like: { kind: 'item', id: item.id }, boost: weight });
      modelVersions.push({ modality, version });
      tokensPerClause = Math.max(tokensPerClause, tokens.length);
    }
    const plan = this.plan(clauses, textFilter, [item.id], first, tokensPerClause);
    const candidates = await this.withFilterFallback(plan, first);
    return { hits: rerank(candidates, queryVectors, clauses, first), modelVersions };
  }

  /**
   * The token match, and when a text filter leaves fewer than `first` candidates sharing a
   * token, also the filter's other matches (up to a bound) so that exact re-ranking can still
   * return `first` hits whenever that many items match the filter.
   */
  private async withFilterFallback(plan: SimilarPlan, first: number): Promise<Candidate[]> {
    const candidates = await this.backend.executeSimilar(plan);
    if (plan.textFilter === null || candidates.length >= first) return candidates;
    const more = await this.backend.executeSimilar({
      ...plan,
      clauses: [],
      excludeIds: [...plan.excludeIds, ...candidates.map((c) => c.item.id)],
      candidates: this.options.filterFallbackLimit,
    });
    return [...candidates, ...more];
  }

  async similarToVector(request: SimilarToVectorRequest): Promise<SimilarResultModel> {
    const first = this.checkFirst(request.first);
    const textFilter = this.checkTextFilter(request.textFilter);
    let active = await this.registry.requireActive(request.modality);
    checkVector(request.vector, request.modality, active.model.dim, DEFAULT_ITEM_LIMITS);
    let answer = await this.byVector(request, active, textFilter, first);
    // Another instance may have activated a newer model since this one cached its own: the
    // candidates then carry other versions. Hash again with the current model, once.
    if (answer.stale) {
      active = await this.registry.requireActive(request.modality, { fresh: true });
      checkVector(request.vector, request.modality, active.model.dim, DEFAULT_ITEM_LIMITS);
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
    const clauses: TokenClause[] = [
      { modality: request.modality, like: { kind: 'tokens', tokens }, boost: 1 },
    ];
    const plan = this.plan(clauses, textFilter, [], first, tokens.length);
    const candidates = await this.withFilterFallback(plan, first);
    const version = active.record.version;
    return {
      stale: candidates.some(
        (c) =>
          c.modelVersions[request.modality] !== undefined &&
          c.modelVersions[request.modality] !== version,
      ),
      result: {
        hits: rerank(candidates, { [request.modality]: [...request.vector] }, clauses, first),
        modelVersions: [{ modality: request.modality, version }],
      },
    };
  }
}

/**
 * Exact re-ranking: the weighted mean cosine similarity over the queried modalities (a candidate
 * lacking a modality scores 0 there). Ties keep the token-match order.
 */
export function rerank(
  candidates: readonly Candidate[],
  queryVectors: Partial<Record<Modality, number[]>>,
  clauses: readonly TokenClause[],
  first: number,
): SimilarHitResult[] {
  const totalWeight = clauses.reduce((sum, c) => sum + c.boost, 0) || 1;
  return candidates
    .map((candidate, order) => {
      let score = 0;
      for (const clause of clauses) {
        const q = queryVectors[clause.modality];
        const v = candidate.vectors[clause.modality];
        if (q && v && q.length === v.length) score += clause.boost * cosineSimilarity(q, v);
      }
      return { item: candidate.item, score: score / totalWeight, order };
    })
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .slice(0, first)
    .map(({ item, score }) => ({ item, score }));
}
