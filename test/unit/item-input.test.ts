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

describe('vectors as base64 float32', () => {
  const base64 = (values: number[]) =>
    Buffer.from(new Float32Array(values).buffer).toString('base64');

  it('decodes little-endian float32 to the same vector as the list', () => {
    const values = [0.5, -1.25, Math.fround(0.1)];
    const fromBase64 = toStoredItem({ id: 'a', imageVectorBase64: base64(values) }, {});
    expect(fromBase64.vectors.IMAGE).toEqual(values);
    expect(fromBase64.modalities).toEqual(['IMAGE']);
    // Explicitly little-endian, whatever the platform.
    const bytes = Buffer.alloc(8);
    bytes.writeFloatLE(3.5, 0);
    bytes.writeFloatLE(-2, 4);
    const item = toStoredItem({ id: 'b', textVectorBase64: bytes.toString('base64') }, {});
    expect(item.vectors.TEXT).toEqual([3.5, -2]);
  });

  it('refuses invalid base64, partial values, empty vectors and both forms at once', () => {
    const bad = [
      { imageVectorBase64: 'not base64!' },
      { imageVectorBase64: 'AAAA=A==' },
      { imageVectorBase64: Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64') },
      { imageVectorBase64: '' },
      { imageVector: [1, 2], imageVectorBase64: base64([1, 2]) },
    ];
    for (const input of bad) {
      expect(
        codeOf(() => toStoredItem({ id: 'a', ...input }, {})),
        JSON.stringify(input),
      ).toBe('BAD_USER_INPUT');
    }
  });

  it('checks decoded values like listed ones (length, finiteness)', () => {
    expect(codeOf(() => toStoredItem({ id: 'a', imageVectorBase64: base64([1, NaN]) }, {}))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      codeOf(() => toStoredItem({ id: 'a', imageVectorBase64: base64([1, 2, 3]) }, { IMAGE: 2 })),
    ).toBe('DIMENSION_MISMATCH');
  });
});
