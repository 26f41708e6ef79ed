import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { Candidate } from './backend.js';
import { MAX_PAGE_DEPTH, decodeCursor, encodeCursor } from './cursor.js';

/** One page of a ranking: `first` hits from `offset`, none scoring under `minScore`. */
export interface PageRequest {
  first: number;
  offset: number;
  minScore: number | null;
  /** The query's key (see cursor.ts): its cursors carry it. */
  key: string;
}

/**
 * The page a request asks for. The query's key may be given as a function: it is then computed
 * only when a cursor is read or written (most requests ask for no cursor: hashing the
 * arguments for nothing cost CPU on every one).
 */
export function pageRequest(
  first: number,
  after: string | null | undefined,
  minScore: number | null | undefined,
  key: string | (() => string),
): PageRequest {
  if (minScore !== null && minScore !== undefined && !Number.isFinite(minScore)) {
    throw new LshqlError(ErrorCode.BAD_USER_INPUT, 'minScore must be a finite number.');
  }
  let known = typeof key === 'string' ? key : null;
  const keyOf = () => (known ??= (key as () => string)());
  const offset = after === null || after === undefined ? 0 : decodeCursor(after, keyOf());
  return {
    first,
    offset,
    minScore: minScore ?? null,
    get key() {
      return keyOf();
    },
  };
}

/** Where the page ends in the ranking (never past the depth limit). */
function pageEnd(page: PageRequest): number {
  return Math.min(page.offset + page.first, MAX_PAGE_DEPTH);
}

/** How many ranked hits to fetch: the page and, below the depth limit, one more to see past it. */
export function fetchSize(page: PageRequest): number {
  const end = pageEnd(page);
  return end < MAX_PAGE_DEPTH ? end + 1 : end;
}

/**
 * The page out of the ranking's best `fetchSize(page)` hits, and the cursor of the next page:
 * null when the ranking ends there, reaches the depth limit, or falls under `minScore`. The
 * cursor (an HMAC) is made when first read.
 */
export function cutPage(
  ranked: readonly Candidate[],
  page: PageRequest,
): { hits: Candidate[]; nextCursor: string | null } {
  const end = pageEnd(page);
  const passes = (c: Candidate | undefined) =>
    c !== undefined && (page.minScore === null || (c.exactScore ?? 0) >= page.minScore);
  const slice = ranked.slice(page.offset, end);
  const hits = slice.filter((c) => passes(c));
  const more =
    end < MAX_PAGE_DEPTH && hits.length === slice.length && hits.length > 0 && passes(ranked[end]);
  let cursor: string | null | undefined;
  return {
    hits,
    get nextCursor() {
      if (cursor === undefined) cursor = more ? encodeCursor(end, page.key) : null;
      return cursor;
    },
  };
}
