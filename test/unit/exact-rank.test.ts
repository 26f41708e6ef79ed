import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/search/backend.js';
import { mergeRanked, rankExactly } from '../../src/search/exact-rank.js';
import { normalizedWeights } from '../../src/search/scoring.js';
import type { RankQuery } from '../../src/search/query-plan.js';

const view = (id: string) => ({ id, title: null, text: null, tags: [], modalities: [] });
const candidate = (id: string, image?: number[], text?: number[]): Candidate => ({
  item: view(id),
  vectors: { ...(image ? { IMAGE: image } : {}), ...(text ? { TEXT: text } : {}) },
  modelVersions: {},
});
const image = (vector: number[], weight = 1): RankQuery => ({ modality: 'IMAGE', vector, weight });

describe('rankExactly', () => {
  it('orders candidates by exact cosine similarity, not in their token-match order', () => {
    const ranked = rankExactly(
      [candidate('far', [0, 1]), candidate('near', [1, 0.1])],
      { queries: [image([1, 0])], size: 10 },
      100,
    );
    expect(ranked.map((c) => c.item.id)).toEqual(['near', 'far']);
    expect(ranked[1]!.exactScore).toBeCloseTo(0, 6);
    // The vectors were only needed for ranking.
    expect(ranked[0]!.vectors).toEqual({});
  });

  it('averages modalities by weight and scores a missing modality as 0', () => {
    const ranked = rankExactly(
      [candidate('both', [1, 0], [1, 0]), candidate('image-only', [1, 0])],
      {
        queries: [image([1, 0], 3), { modality: 'TEXT', vector: [1, 0], weight: 1 }],
        size: 10,
      },
      100,
    );
    expect(ranked.map((c) => [c.item.id, c.exactScore])).toEqual([
      ['both', 1],
      ['image-only', 0.75],
    ]);
  });

  it('keeps the best `size` and the token order among equal scores', () => {
    const ranked = rankExactly(
      [candidate('a', [1, 0]), candidate('b', [2, 0]), candidate('c', [3, 0])],
      { queries: [image([1, 0])], size: 2 },
      100,
    );
    expect(ranked.map((c) => c.item.id)).toEqual(['a', 'b']);
  });

  it('with one modality ranks every candidate, whatever the per-modality cut', () => {
    const many = Array.from({ length: 20 }, (_, i) => candidate(`c${i}`, [1, 20 - i]));
    const ranked = rankExactly(many, { queries: [image([1, 0])], size: 3 }, 3);
    expect(ranked.map((c) => c.item.id)).toEqual(['c19', 'c18', 'c17']);
  });

  it('with several modalities combines the best `perModality` of each, as Elasticsearch does', () => {
    // "text-best" is the best text match but only 3rd by image: cut to 2 per modality, it keeps
    // its text score and loses its image score.
    const ranked = rankExactly(
      [
        candidate('image-best', [1, 0], [0, 1]),
        candidate('image-second', [1, 0.1], [0, 1]),
        candidate('text-best', [1, 0.5], [1, 0]),
        candidate('text-second', [0, 1], [1, 0.1]),
      ],
      { queries: [image([1, 0]), { modality: 'TEXT', vector: [1, 0], weight: 1 }], size: 4 },
      2,
    );
    const scoreOf = (id: string) => ranked.find((c) => c.item.id === id)?.exactScore;
    // Only its text half: 2 · (0.5 · (1 + 1) / 2) − 1 = 0.
    expect(scoreOf('text-best')).toBeCloseTo(0, 12);
    expect(scoreOf('image-best')).toBeCloseTo(0, 12);
    // With no cut, it is the best of all: (cos 0.894 + cos 1) / 2.
    const uncut = rankExactly(
      [candidate('text-best', [1, 0.5], [1, 0]), candidate('other', [0, 1], [0, 1])],
      { queries: [image([1, 0]), { modality: 'TEXT', vector: [1, 0], weight: 1 }], size: 1 },
      100,
    );
    expect(uncut[0]!.item.id).toBe('text-best');
    // A candidate kept by no modality is no hit, even when it lacks one (no lacking score alone).
    const gated = rankExactly(
      [
        candidate('image-best', [1, 0], [0, 1]),
        candidate('text-best', [0, 1], [1, 0]),
        candidate('image-only', [0.5, 1]),
      ],
      { queries: [image([1, 0]), { modality: 'TEXT', vector: [1, 0], weight: 1 }], size: 3 },
      1,
    );
    expect(gated.map((c) => c.item.id)).toEqual(['image-best', 'text-best']);
    expect(uncut[0]!.exactScore).toBeCloseTo((1 / Math.sqrt(1.25) + 1) / 2, 12);
  });
});

describe('normalizedWeights', () => {
  it('divides by the sum, and splits evenly when every weight is 0', () => {
    expect(normalizedWeights([image([1], 3), image([1], 1)])).toEqual([0.75, 0.25]);
    expect(normalizedWeights([image([1], 0), image([1], 0)])).toEqual([0.5, 0.5]);
  });
});

describe('mergeRanked', () => {
  it('merges ranked lists by exact score and keeps `size`', () => {
    const scored = (id: string, exactScore: number) => ({ ...candidate(id), exactScore });
    const merged = mergeRanked(
      [
        [scored('a', 0.9), scored('b', 0.5)],
        [scored('c', 0.7), scored('d', 0.5)],
      ],
      3,
    );
    expect(merged.map((c) => c.item.id)).toEqual(['a', 'c', 'b']);
  });
});
