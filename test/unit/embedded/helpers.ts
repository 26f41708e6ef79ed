import { afterEach, beforeEach } from 'vitest';
import type { StoredItem } from '../../../src/domain/item.js';
import type { Modality } from '../../../src/domain/modalities.js';
import type { StoredModel } from '../../../src/models/model-record.js';
import { EmbeddedBackend } from '../../../src/search/embedded/embedded-backend.js';
import type {
  MoreLikeThisSettings,
  SimilarPlan,
  TokenClause,
} from '../../../src/search/query-plan.js';

export interface ItemSpec {
  title?: string | null;
  text?: string | null;
  image?: string[];
  textTokens?: string[];
  imageVector?: number[];
  textVector?: number[];
  version?: number;
}

/** A stored item; giving tokens of a modality implies a vector of it ([1, 0] or [0, 1]). */
export function item(id: string, spec: ItemSpec = {}): StoredItem {
  const version = spec.version ?? 1;
  const stored: StoredItem = {
    id,
    title: spec.title ?? null,
    text: spec.text ?? null,
    tags: [],
    modalities: [],
    vectors: {},
    tokens: {},
    modelVersions: {},
  };
  const image = spec.imageVector ?? (spec.image ? [1, 0] : undefined);
  if (image) {
    stored.modalities.push('IMAGE');
    stored.vectors.IMAGE = image;
  }
  if (spec.image) {
    stored.tokens.IMAGE = spec.image;
    stored.modelVersions.IMAGE = version;
  }
  const text = spec.textVector ?? (spec.textTokens ? [0, 1] : undefined);
  if (text) {
    stored.modalities.push('TEXT');
    stored.vectors.TEXT = text;
  }
  if (spec.textTokens) {
    stored.tokens.TEXT = spec.textTokens;
    stored.modelVersions.TEXT = version;
  }
  return stored;
}

export const MLT: MoreLikeThisSettings = {
  minTermFreq: 1,
  minDocFreq: 1,
  maxQueryTerms: 64,
  minimumShouldMatch: '1',
};

export function tokensClause(
  tokens: string[],
  modality: Modality = 'IMAGE',
  boost = 1,
): TokenClause {
  return { modality, tokens, boost };
}

export function plan(clauses: TokenClause[], extra: Partial<SimilarPlan> = {}): SimilarPlan {
  return {
    clauses,
    textFilter: null,
    excludeIds: [],
    candidates: 100,
    mlt: MLT,
    vectorsFor: [],
    ...extra,
    ...(extra.mlt ? { mlt: { ...MLT, ...extra.mlt } } : {}),
  };
}

export function model(modality: Modality, version: number): StoredModel {
  return {
    modality,
    version,
    createdAt: '2024-01-01T00:00:00.000Z',
    model: {
      format: 2,
      dim: 4,
      rotatedDim: 4,
      subspaces: 2,
      clusters: 2,
      metric: 'cosine',
      rotate: false,
      seed: 1,
      maxIterations: 10,
      trainedOn: 4,
      bounds: [0, 2, 4],
      rotation: null,
      centroids: ['AAAAAA==', 'AAAAAA=='],
    },
  };
}

/**
 * A fresh in-memory backend per test, and `ids(plan)`: the ids the plan returns, in order.
 * Call at the top of a `describe`.
 */
export function useBackend() {
  const context = {
    backend: null as unknown as EmbeddedBackend,
    ids: async (p: SimilarPlan) => (await context.backend.executeSimilar(p)).map((c) => c.item.id),
  };
  beforeEach(async () => {
    context.backend = new EmbeddedBackend();
    await context.backend.init();
  });
  afterEach(async () => {
    await context.backend.close();
  });
  return context;
}
