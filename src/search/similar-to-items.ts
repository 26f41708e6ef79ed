import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { StoredItem } from '../domain/item.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';
import type { RankQuery, TokenClause } from './query-plan.js';
import { rocchioVector } from './rocchio.js';
import { weightOf } from './weights.js';

/** Most items `like` may name. */
export const MAX_LIKE_ITEMS = 20;
/** Most items `unlike` may name. */
export const MAX_UNLIKE_ITEMS = 20;

/** What a query searches with: token clauses, ranking vectors, the items it must not return. */
export interface QuerySpec {
  clauses: TokenClause[];
  queries: RankQuery[];
  excludeIds: string[];
  modelVersions: { modality: Modality; version: number }[];
}

/** Checks the list lengths and overlap of `like` and `unlike`; returns them without repeats. */
export function checkItemLists(
  like: readonly string[],
  unlike: readonly string[] | null | undefined,
): { like: string[]; unlike: string[] } {
  const likeIds = [...new Set(like)];
  const unlikeIds = [...new Set(unlike ?? [])];
  if (likeIds.length < 1 || likeIds.length > MAX_LIKE_ITEMS) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `like must name between 1 and ${MAX_LIKE_ITEMS} items.`,
    );
  }
  if (unlikeIds.length > MAX_UNLIKE_ITEMS) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `unlike may name at most ${MAX_UNLIKE_ITEMS} items.`,
    );
  }
  const both = likeIds.filter((id) => unlikeIds.includes(id));
  if (both.length > 0) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `Items cannot be both liked and unliked: ${both.map((id) => `"${id}"`).join(', ')}.`,
    );
  }
  return { like: likeIds, unlike: unlikeIds };
}

/** NOT_FOUND naming every id no item has. */
export function requireFound(
  ids: readonly string[],
  items: readonly (StoredItem | null)[],
): StoredItem[] {
  const missing = ids.filter((_, i) => !items[i]);
  if (missing.length > 0) {
    throw new LshqlError(
      ErrorCode.NOT_FOUND,
      `No item has id ${missing.map((id) => `"${id}"`).join(', ')}.`,
      { ids: missing },
    );
  }
  return items as StoredItem[];
}

/**
 * "Like these, unlike those", per modality: a token clause liking every liked item's tokens
 * and unliking every unliked one's, ranked by cosine to the Rocchio vector
 * mean(like) − mean(unlike) (rocchio.ts). `modalities` omitted means every modality a liked
 * item has a vector of; each used modality needs a liked item holding that vector.
 */
export function itemsQuerySpec(
  like: readonly StoredItem[],
  unlike: readonly StoredItem[],
  modalities: readonly Modality[] | null | undefined,
  weights: Partial<Record<Modality, number>> | null | undefined,
): QuerySpec {
  const used = modalities?.length
    ? [...new Set(modalities)]
    : MODALITIES.filter((m) => like.some((item) => item.vectors[m]));
  if (used.length === 0) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      'The liked items have no vectors, so nothing can be similar to them.',
    );
  }
  const spec: QuerySpec = {
    clauses: [],
    queries: [],
    excludeIds: [...like, ...unlike].map((item) => item.id),
    modelVersions: [],
  };
  for (const modality of used) {
    const weight = weightOf(weights, modality);
    const liked = like.filter((item) => item.vectors[modality]);
    if (liked.length === 0) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `No liked item has a ${modality} vector; ask for modalities the liked items have.`,
      );
    }
    const untrained = liked.find((item) => !item.tokens[modality]);
    const version = liked[0]!.modelVersions[modality];
    if (untrained || version === undefined) {
      throw new LshqlError(
        ErrorCode.MODEL_NOT_TRAINED,
        `Item "${(untrained ?? liked[0]!).id}" has no ${modality} tokens yet: train a ${modality} model with trainModel.`,
        { modality },
      );
    }
    const dim = liked[0]!.vectors[modality]!.length;
    const unliked = unlike.filter((item) => item.vectors[modality]?.length === dim);
    spec.clauses.push({
      modality,
      tokens: liked.flatMap((item) => item.tokens[modality] ?? []),
      boost: weight,
      unlike: unliked.flatMap((item) => item.tokens[modality] ?? []),
    });
    spec.queries.push({
      modality,
      vector: rocchioVector(
        liked.map((item) => item.vectors[modality]!),
        unliked.map((item) => item.vectors[modality]!),
      ),
      weight,
    });
    spec.modelVersions.push({ modality, version });
  }
  return spec;
}
