import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { ActiveModel, ModelRegistry } from '../models/model-registry.js';
import { checkVector } from '../domain/vectors.js';
import type { SearchBackend } from './backend.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';
import type { HitContent, MoreLikeThisSettings } from './query-plan.js';
import type { ItemView } from '../domain/item.js';
import { RankedSearch, type Prepared } from './ranked-search.js';
import { planFilterOf, type ItemFilterInput } from './item-filter.js';
import { queryKey } from './cursor.js';
import { pageRequest } from './page.js';
import type { ModalityExplanation } from './explanation.js';
import {
  checkItemLists,
  itemsQuerySpec,
  requireFound,
  type QuerySpec,
} from './similar-to-items.js';
import { weightOf } from './weights.js';

export interface SimilarHitResult {
  item: ItemView;
  score: number;
  /** Per modality used: cosine and shared tokens (loaded only when called). */
  explain: () => Promise<ModalityExplanation[]>;
  /** The item holds its key fields only (see `Candidate.keysOnly`). */
  keysOnly?: true;
}

export interface SimilarResultModel {
  hits: SimilarHitResult[];
  modelVersions: { modality: Modality; version: number }[];
  /**
   * The cursor of the next page of the same ranking; null when there is none. A getter: the
   * cursor is made only when a client selects it.
   */
  readonly nextCursor: string | null;
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
  /** Filter-only candidates fetched when a filter leaves too few token matches. */
  filterFallbackLimit: number;
  mlt: Partial<MoreLikeThisSettings>;
}

/** Arguments every similarity query takes: filters, page size, cursor and score cut-off. */
export interface PageArgs {
  textFilter?: string | null;
  filter?: ItemFilterInput | null;
  first?: number | null;
  after?: string | null;
  minScore?: number | null;
  /**
   * What the hits must carry, from the client's selection (default `full`); not part of the
   * ranking, so pages of one query share their cursor whatever each selects.
   */
  hitContent?: HitContent;
}

export interface SimilarRequest extends PageArgs {
  id: string;
  modalities?: readonly Modality[] | null;
  weights?: Partial<Record<Modality, number>> | null;
}

export interface SimilarToVectorRequest extends PageArgs {
  modality: Modality;
  vector: readonly number[];
}

export interface SimilarToVectorsRequest extends PageArgs {
  vectors: Partial<Record<Modality, readonly number[]>>;
  weights?: Partial<Record<Modality, number>> | null;
}

export interface SimilarToItemsRequest extends PageArgs {
  like: readonly string[];
  unlike?: readonly string[] | null;
  modalities?: readonly Modality[] | null;
  weights?: Partial<Record<Modality, number>> | null;
}

/** Tags per filter list, and characters per tag. */
const FILTER_TAG_LIMITS = { maxTags: 100, maxTagLength: 256 };

/**
 * "Items like this": a token match (more_like_this on the LSH fields, filtered) finds
 * candidates, which the backend re-ranks by exact cosine similarity on their stored vectors;
 * the service cuts the ranking into pages.
 */
export class SimilarService {
  constructor(
    private readonly backend: SearchBackend,
    private readonly registry: ModelRegistry,
    private readonly options: SimilarOptions,
  ) {
    this.search = new RankedSearch(backend, options);
  }

  private readonly search: RankedSearch;

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

  /** Checks the arguments every query shares; the cursor is keyed by `kind` and the others. */
  private prepare(kind: string, request: PageArgs): Prepared {
    const first = this.checkFirst(request.first);
    const filter = planFilterOf(request.textFilter, request.filter, {
      maxTextLength: this.options.maxTextFilterLength,
      ...FILTER_TAG_LIMITS,
    });
    const { first: _first, after, hitContent = 'full', ...ranking } = request;
    const page = pageRequest(first, after, request.minScore, () => queryKey({ kind, ...ranking }));
    return { filter, page, hitContent };
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
    const prepared = this.prepare('similar', request);
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
    const spec: QuerySpec = { clauses: [], queries: [], excludeIds: [item.id], modelVersions: [] };
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
      const weight = weightOf(request.weights, modality);
      // The tokens are at hand: Elasticsearch need not load the item again (`like` by id).
      const like = await this.queryTokens(modality, vector, tokens, version);
      spec.clauses.push({ modality, tokens: like, boost: weight });
      spec.queries.push({ modality, vector, weight });
      spec.modelVersions.push({ modality, version });
    }
    return (await this.search.run(spec, prepared)).result;
  }

  /**
   * Items like several liked items and unlike the unliked ones (Rocchio, see rocchio.ts);
   * none of the named items is returned.
   */
  async similarToItems(request: SimilarToItemsRequest): Promise<SimilarResultModel> {
    const prepared = this.prepare('similarToItems', request);
    const { like, unlike } = checkItemLists(request.like, request.unlike);
    const ids = [...like, ...unlike];
    const items = requireFound(ids, await this.backend.getItems(ids, { withVectors: true }));
    const spec = itemsQuerySpec(
      items.slice(0, like.length),
      items.slice(like.length),
      request.modalities,
      request.weights,
    );
    return (await this.search.run(spec, prepared)).result;
  }

  async similarToVector(request: SimilarToVectorRequest): Promise<SimilarResultModel> {
    const { modality, vector, ...rest } = request;
    return this.byVectors('similarToVector', { ...rest, vectors: { [modality]: vector } });
  }

  /** Items like raw vectors of one or more modalities, fused as `similar` fuses. */
  async similarToVectors(request: SimilarToVectorsRequest): Promise<SimilarResultModel> {
    return this.byVectors('similarToVectors', request);
  }

  private async byVectors(
    kind: string,
    request: SimilarToVectorsRequest,
  ): Promise<SimilarResultModel> {
    const prepared = this.prepare(kind, request);
    const modalities = MODALITIES.filter((m) => request.vectors[m] !== undefined);
    if (modalities.length === 0) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        'vectors must hold the vector of at least one modality.',
      );
    }
    const actives = async (fresh: boolean) => {
      const out: ActiveModel[] = [];
      for (const modality of modalities) {
        const active = await this.registry.requireActive(modality, fresh ? { fresh } : undefined);
        checkVector(request.vectors[modality]!, modality, active.model.dim);
        out.push(active);
      }
      return out;
    };
    let answer = await this.byVectorsWith(await actives(false), request, prepared);
    // Another instance may have activated a newer model since this one cached its own: the
    // candidates then carry other versions. Hash again with the current models, once.
    if (answer.stale) answer = await this.byVectorsWith(await actives(true), request, prepared);
    return answer.result;
  }

  private async byVectorsWith(
    actives: ActiveModel[],
    request: SimilarToVectorsRequest,
    prepared: Prepared,
  ): Promise<{ result: SimilarResultModel; stale: boolean }> {
    const spec: QuerySpec = { clauses: [], queries: [], excludeIds: [], modelVersions: [] };
    for (const active of actives) {
      const modality = active.record.modality;
      const vector = request.vectors[modality]!;
      const weight = weightOf(request.weights, modality);
      const tokens =
        this.options.probes > 1
          ? active.hasher.probeTokens(vector, this.options.probes)
          : active.hasher.hashOne(vector);
      spec.clauses.push({ modality, tokens, boost: weight });
      spec.queries.push({ modality, vector, weight });
      spec.modelVersions.push({ modality, version: active.record.version });
    }
    const { result, candidates } = await this.search.run(spec, prepared);
    const stale = candidates.some((c) =>
      spec.modelVersions.some(
        ({ modality, version }) =>
          c.modelVersions[modality] !== undefined && c.modelVersions[modality] !== version,
      ),
    );
    return { result, stale };
  }
}
