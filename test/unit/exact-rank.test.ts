import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/search/backend.js';
import { rerank } from '../../src/search/similar-service.js';

const view = (id: string) => ({ id, title: null, text: null, tags: [], modalities: [] });
const candidate = (id: string, image?: number[], text?: number[], tokenScore = 1): Candidate => ({
  item: view(id),
  vectors: { ...(image ? { IMAGE: image } : {}), ...(text ? { TEXT: text } : {}) },
  modelVersions: {},
  tokenScore,
});

describe('rerank', () => {
  it('orders candidates by exact cosine similarity, not by token score', () => {
    const hits = rerank(
      [candidate('far', [0, 1], undefined, 9), candidate('near', [1, 0.1], undefined, 1)],
      { IMAGE: [1, 0] },
      [{ modality: 'IMAGE', like: { kind: 'item', id: 'q' }, boost: 1 }],
      10,
    );
    expect(hits.map((h) => h.item.id)).toEqual(['near', 'far']);
    expect(hits[1]!.score).toBeCloseTo(0, 6);
  });

  it('averages modalities by weight and scores a missing modality as 0', () => {
    const clauses = [
      { modality: 'IMAGE' as const, like: { kind: 'item' as const, id: 'q' }, boost: 3 },
      { modality: 'TEXT' as const, like: { kind: 'item' as const, id: 'q' }, boost: 1 },
    ];
    const hits = rerank(
      [candidate('both', [1, 0], [1, 0]), candidate('image-only', [1, 0])],
      { IMAGE: [1, 0], TEXT: [1, 0] },
      clauses,
      10,
    );
    expect(hits.map((h) => [h.item.id, h.score])).toEqual([
      ['both', 1],
      ['image-only', 0.75],
    ]);
  });

  it('keeps the first `first` hits and the token order among equal scores', () => {
    const hits = rerank(
      [candidate('a', [1, 0]), candidate('b', [2, 0]), candidate('c', [3, 0])],
      { IMAGE: [1, 0] },
      [{ modality: 'IMAGE', like: { kind: 'item', id: 'q' }, boost: 1 }],
      2,
    );
    expect(hits.map((h) => h.item.id)).toEqual(['a', 'b']);
  });
});
