import { describe, expect, it } from 'vitest';
import { LshqlError } from '../../src/domain/errors.js';
import { toStoredItem } from '../../src/ingest/item-input.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof LshqlError) return error.code;
    throw error;
  }
  return undefined;
}

describe('toStoredItem', () => {
  it('keeps text, tags and vectors and lists the modalities present', () => {
    const item = toStoredItem(
      { id: 'a', title: 'T', text: null, tags: ['x'], imageVector: [1, 2], textVector: null },
      { IMAGE: 2 },
    );
    expect(item).toMatchObject({
      id: 'a',
      title: 'T',
      text: null,
      tags: ['x'],
      modalities: ['IMAGE'],
    });
    expect(item.vectors.IMAGE).toEqual([1, 2]);
    expect(item.tokens).toEqual({});
  });

  it('rejects a vector of the wrong length with DIMENSION_MISMATCH', () => {
    expect(codeOf(() => toStoredItem({ id: 'a', imageVector: [1, 2, 3] }, { IMAGE: 2 }))).toBe(
      'DIMENSION_MISMATCH',
    );
  });

  it('rejects NaN, Infinity, empty vectors, empty ids and long ids with BAD_USER_INPUT', () => {
    expect(codeOf(() => toStoredItem({ id: 'a', imageVector: [1, NaN] }, {}))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(() => toStoredItem({ id: 'a', textVector: [Infinity] }, {}))).toBe(
      'BAD_USER_INPUT',
    );
    expect(codeOf(() => toStoredItem({ id: 'a', textVector: [] }, {}))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => toStoredItem({ id: '  ' }, {}))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => toStoredItem({ id: 'é'.repeat(300) }, {}))).toBe('BAD_USER_INPUT');
  });

  it('accepts any length when no dimension is known yet', () => {
    expect(
      toStoredItem({ id: 'a', imageVector: [1, 2, 3, 4] }, { IMAGE: null }).vectors.IMAGE,
    ).toHaveLength(4);
  });
});
