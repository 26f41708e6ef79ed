import { describe, expect, it } from 'vitest';
import { explainHit, lazyExplainer } from '../../src/search/explanation.js';
import type { StoredItem } from '../../src/domain/item.js';

const stored = (id: string, image: number[], tokens: string[]): StoredItem => ({
  id,
  title: null,
  text: null,
  tags: [],
  modalities: ['IMAGE'],
  vectors: { IMAGE: image },
  tokens: { IMAGE: tokens },
  modelVersions: { IMAGE: 1 },
});

describe('explanations', () => {
  const image = {
    modality: 'IMAGE' as const,
    vector: [1, 0],
    tokens: new Set(['0-1', '1-2', '2-3']),
  };
  const text = { modality: 'TEXT' as const, vector: [0, 1], tokens: new Set(['0-9']) };

  it('counts the distinct stored tokens among the query tokens; one modality: cosine = score', () => {
    const hit = stored('a', [1, 1], ['0-1', '1-2', '1-2', '2-4']);
    expect(explainHit(hit, [image], 0.7)).toEqual([
      { modality: 'IMAGE', cosine: 0.7, sharedTokens: 2, queryTokens: 3 },
    ]);
  });

  it('computes each modality’s cosine with several, 0 where the hit has no vector', () => {
    const hit = stored('a', [1, 1], ['2-3']);
    const [e1, e2] = explainHit(hit, [image, text], 0.1);
    expect(e1!.cosine).toBeCloseTo(Math.SQRT1_2, 12);
    expect(e1!.sharedTokens).toBe(1);
    expect(e2).toEqual({ modality: 'TEXT', cosine: 0, sharedTokens: 0, queryTokens: 1 });
  });

  it('loads every hit of the page in one call, only when asked', async () => {
    const calls: string[][] = [];
    const explain = lazyExplainer(['a', 'b'], [image], async (ids) => {
      calls.push([...ids]);
      return [stored('a', [1, 0], ['0-1']), null];
    });
    expect(calls).toEqual([]);
    const [a, b] = await Promise.all([explain('a', 0.9), explain('b', 0.5)]);
    expect(calls).toEqual([['a', 'b']]);
    expect(a![0]!.sharedTokens).toBe(1);
    expect(b![0]).toEqual({ modality: 'IMAGE', cosine: 0.5, sharedTokens: 0, queryTokens: 3 });
  });
});
