import { describe, expect, it } from 'vitest';
import { MAX_PAGE_DEPTH, decodeCursor, encodeCursor, queryKey } from '../../src/search/cursor.js';
import { LshqlError } from '../../src/domain/errors.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof LshqlError ? error.code : 'other';
  }
  return undefined;
};

describe('page cursors', () => {
  const key = queryKey({ kind: 'similar', id: 'a', filter: { tagsAny: ['x'] } });

  it('round-trips the offset for the same query', () => {
    for (const offset of [1, 7, 500, MAX_PAGE_DEPTH - 1]) {
      expect(decodeCursor(encodeCursor(offset, key), key)).toBe(offset);
    }
  });

  it('keys a query by its arguments, whatever their order, null and absent alike', () => {
    expect(queryKey({ a: 1, b: [1, 2], c: null })).toBe(queryKey({ b: [1, 2], a: 1 }));
    expect(queryKey({ a: 1, b: [1, 2] })).not.toBe(queryKey({ a: 1, b: [2, 1] }));
    expect(queryKey({ a: { x: 1 } })).not.toBe(queryKey({ a: { x: 2 } }));
  });

  it('refuses a cursor of another query', () => {
    const other = queryKey({ kind: 'similar', id: 'b', filter: { tagsAny: ['x'] } });
    expect(codeOf(() => decodeCursor(encodeCursor(10, other), key))).toBe('BAD_USER_INPUT');
  });

  it('refuses tampered and malformed cursors', () => {
    const cursor = encodeCursor(10, key);
    const [, mac] = cursor.split('.');
    const forged = `${Buffer.from(JSON.stringify({ o: 20 })).toString('base64url')}.${mac}`;
    const flipped = `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`;
    // As many characters as a MAC, more bytes in UTF-8.
    const wide = `${cursor.split('.')[0]!}.${'é'.repeat(mac!.length)}`;
    for (const bad of [
      forged,
      flipped,
      wide,
      '',
      '.',
      'abc',
      `${cursor}.x`,
      cursor.split('.')[0]!,
    ]) {
      expect(
        codeOf(() => decodeCursor(bad, key)),
        bad,
      ).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses offsets outside 1 … depth limit − 1 even when correctly signed', () => {
    for (const offset of [0, -1, 1.5, MAX_PAGE_DEPTH]) {
      expect(codeOf(() => decodeCursor(encodeCursor(offset, key), key))).toBe('BAD_USER_INPUT');
    }
  });
});
