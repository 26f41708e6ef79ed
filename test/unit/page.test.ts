import { describe, expect, it } from 'vitest';
import type { Candidate } from '../../src/search/backend.js';
import { MAX_PAGE_DEPTH, decodeCursor, queryKey } from '../../src/search/cursor.js';
import { cutPage, fetchSize, pageRequest } from '../../src/search/page.js';

const key = queryKey({ q: 1 });
const ranked = (n: number): Candidate[] =>
  Array.from({ length: n }, (_, i) => ({
    item: { id: `i${i}`, title: null, text: null, tags: [], modalities: [] },
    vectors: {},
    modelVersions: {},
    exactScore: 1 - i / 100,
  }));

describe('pages of a ranking', () => {
  it('fetches one hit past the page to know whether another follows', () => {
    expect(fetchSize(pageRequest(10, null, null, key))).toBe(11);
    expect(fetchSize({ first: 10, offset: MAX_PAGE_DEPTH - 5, minScore: null, key })).toBe(
      MAX_PAGE_DEPTH,
    );
  });

  it('cuts consecutive pages that concatenate to the ranking', () => {
    const all = ranked(25);
    const seen: string[] = [];
    let page = pageRequest(10, null, null, key);
    for (;;) {
      const { hits, nextCursor } = cutPage(all.slice(0, fetchSize(page)), page);
      seen.push(...hits.map((h) => h.item.id));
      if (nextCursor === null) break;
      page = pageRequest(10, nextCursor, null, key);
      expect(page.offset).toBe(seen.length);
    }
    expect(seen).toEqual(all.map((c) => c.item.id));
  });

  it('ends with a null cursor on an exactly full last page and on an empty one', () => {
    const all = ranked(20);
    const second = { first: 10, offset: 10, minScore: null, key };
    expect(cutPage(all, second).nextCursor).toBeNull();
    const beyond = { first: 10, offset: 20, minScore: null, key };
    expect(cutPage(all, beyond)).toEqual({ hits: [], nextCursor: null });
  });

  it('drops hits under minScore and stops paging there', () => {
    const all = ranked(30);
    const page = pageRequest(10, null, 0.95, key);
    const { hits, nextCursor } = cutPage(all, page);
    expect(hits.map((h) => h.exactScore)).toEqual(all.slice(0, 6).map((c) => c.exactScore));
    expect(nextCursor).toBeNull();
    // The page's end is still above: the next page may start there.
    const high = cutPage(all, pageRequest(3, null, 0.95, key));
    expect(decodeCursor(high.nextCursor!, key)).toBe(3);
  });

  it('stops at the depth limit', () => {
    const all = ranked(MAX_PAGE_DEPTH + 10);
    const last = { first: 10, offset: MAX_PAGE_DEPTH - 4, minScore: null, key };
    const { hits, nextCursor } = cutPage(all, last);
    expect(hits).toHaveLength(4);
    expect(nextCursor).toBeNull();
  });
});
