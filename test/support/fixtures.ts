import {
  generateSyntheticItems,
  toItemInput,
  type SyntheticItem,
} from '../../src/demo/synthetic-items.js';
import type { Gateway } from './gateway-harness.js';
import { INGEST, TRAIN, type IngestData, type TrainData } from './operations.js';

/** A small clustered collection: 6 topics × 4 sub-topics, short vectors. */
export const SMALL_COLLECTION = {
  count: 360,
  seed: 11,
  imageDim: 32,
  textDim: 24,
  topics: 6,
  subtopics: 4,
  noise: 0.6,
};

export function smallCollection(): SyntheticItem[] {
  return generateSyntheticItems(SMALL_COLLECTION);
}

/** Ingests `items` through GraphQL and trains both models; fails the test on any error. */
export async function loadCollection(
  gateway: Gateway,
  items: SyntheticItem[],
  model: { subspaces: number; clusters: number } = { subspaces: 8, clusters: 16 },
  textModel: { subspaces: number; clusters: number } = { subspaces: 8, clusters: 16 },
): Promise<void> {
  for (let i = 0; i < items.length; i += 200) {
    const response = await gateway.gql<IngestData>(INGEST, {
      items: items.slice(i, i + 200).map(toItemInput),
    });
    if (response.errors || response.data?.ingestItems.failed.length) {
      throw new Error(`ingest failed: ${JSON.stringify(response.errors ?? response.data)}`);
    }
  }
  for (const [modality, params] of [
    ['IMAGE', model],
    ['TEXT', textModel],
  ] as const) {
    const response = await gateway.gql<TrainData>(TRAIN, { modality, ...params });
    if (response.errors) throw new Error(`training failed: ${JSON.stringify(response.errors)}`);
  }
}

/** Exact top-k by cosine similarity (brute force), excluding the query item. */
export function exactNeighbours(
  items: readonly SyntheticItem[],
  query: readonly number[],
  pick: (item: SyntheticItem) => readonly number[],
  k: number,
  excludeId?: string,
): string[] {
  const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const qn = norm(query);
  return items
    .filter((item) => item.id !== excludeId)
    .map((item) => {
      const v = pick(item);
      const dot = v.reduce((s, x, i) => s + x * query[i]!, 0);
      return { id: item.id, score: dot / (norm(v) * qn) };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map((e) => e.id);
}
