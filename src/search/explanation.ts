import type { StoredItem } from '../domain/item.js';
import type { Modality } from '../domain/modalities.js';
import { cosineSimilarity, isZeroNorm } from '../lsh/vector-math.js';

/** Why a hit matched, for one modality of the query. */
export interface ModalityExplanation {
  modality: Modality;
  /** Cosine similarity of the hit's vector to the query vector (0 when it has none). */
  cosine: number;
  /** Distinct tokens the hit holds among the query's tokens of this modality. */
  sharedTokens: number;
  /** Distinct tokens the query searched with in this modality. */
  queryTokens: number;
}

/** What a query searched with in one modality: the ranking vector and the matched tokens. */
export interface ExplainedQuery {
  modality: Modality;
  vector: readonly number[];
  tokens: ReadonlySet<string>;
}

/**
 * The explanation of one hit from its stored tokens and vectors. With one modality the cosine
 * is the hit's score itself (the search's exact cosine), so the two agree to the last bit.
 */
export function explainHit(
  item: Pick<StoredItem, 'tokens' | 'vectors'> | null,
  queries: readonly ExplainedQuery[],
  score: number,
): ModalityExplanation[] {
  return queries.map((q) => {
    const held = new Set(item?.tokens[q.modality] ?? []);
    let sharedTokens = 0;
    for (const token of q.tokens) if (held.has(token)) sharedTokens++;
    const vector = item?.vectors[q.modality];
    const cosine =
      queries.length === 1
        ? score
        : vector &&
            vector.length === q.vector.length &&
            !isZeroNorm(q.vector) &&
            !isZeroNorm(vector)
          ? cosineSimilarity(q.vector, vector)
          : 0;
    return { modality: q.modality, cosine, sharedTokens, queryTokens: q.tokens.size };
  });
}

/**
 * Explanations for the hits of one page, loaded only when asked for: the first hit asking
 * reads every hit's stored tokens and vectors in one backend call.
 */
export function lazyExplainer(
  ids: readonly string[],
  queries: readonly ExplainedQuery[],
  load: (ids: readonly string[]) => Promise<(StoredItem | null)[]>,
): (id: string, score: number) => Promise<ModalityExplanation[]> {
  let items: Promise<Map<string, StoredItem>> | null = null;
  return async (id, score) => {
    items ??= load(ids).then(
      (found) => new Map(found.flatMap((item) => (item ? [[item.id, item] as const] : []))),
    );
    return explainHit((await items).get(id) ?? null, queries, score);
  };
}
