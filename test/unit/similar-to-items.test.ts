import { describe, expect, it } from 'vitest';
import {
  MAX_LIKE_ITEMS,
  checkItemLists,
  itemsQuerySpec,
  requireFound,
} from '../../src/search/similar-to-items.js';
import { LshqlError } from '../../src/domain/errors.js';
import type { StoredItem } from '../../src/domain/item.js';

const item = (id: string, image: number[], tokens: string[]): StoredItem => ({
  id,
  title: null,
  text: null,
  tags: [],
  modalities: ['IMAGE'],
  vectors: { IMAGE: image },
  tokens: { IMAGE: tokens },
  modelVersions: { IMAGE: 3 },
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error instanceof LshqlError ? { code: error.code, details: error.details } : 'other';
  }
  return undefined;
};

describe('similarToItems query spec', () => {
  it('limits and de-duplicates the lists', () => {
    expect(checkItemLists(['a', 'a', 'b'], ['c', 'c'])).toEqual({
      like: ['a', 'b'],
      unlike: ['c'],
    });
    const many = Array.from({ length: MAX_LIKE_ITEMS + 1 }, (_, i) => `i${i}`);
    expect(codeOf(() => checkItemLists(many, null))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(codeOf(() => checkItemLists([], null))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(codeOf(() => checkItemLists(['a'], many))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(codeOf(() => checkItemLists(['a'], ['a']))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('names every unknown id', () => {
    expect(codeOf(() => requireFound(['a', 'x', 'y'], [item('a', [1], []), null, null]))).toEqual({
      code: 'NOT_FOUND',
      details: { ids: ['x', 'y'] },
    });
  });

  it('likes the liked tokens, unlikes the unliked ones, ranks by the Rocchio vector', () => {
    const spec = itemsQuerySpec(
      [item('a', [2, 0], ['0-1', '1-1']), item('b', [0, 1], ['0-1', '1-2'])],
      [item('c', [0, 3], ['0-2', '1-2'])],
      null,
      { IMAGE: 2 },
    );
    expect(spec.excludeIds).toEqual(['a', 'b', 'c']);
    expect(spec.clauses).toEqual([
      {
        modality: 'IMAGE',
        tokens: ['0-1', '1-1', '0-1', '1-2'],
        boost: 2,
        unlike: ['0-2', '1-2'],
      },
    ]);
    expect(spec.queries).toEqual([{ modality: 'IMAGE', vector: [0.5, -0.5], weight: 2 }]);
    expect(spec.modelVersions).toEqual([{ modality: 'IMAGE', version: 3 }]);
  });

  it('refuses a modality no liked item has', () => {
    expect(
      codeOf(() => itemsQuerySpec([item('a', [1, 0], ['0-1'])], [], ['TEXT'], null)),
    ).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
