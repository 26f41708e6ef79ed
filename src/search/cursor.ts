import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ErrorCode, LshqlError } from '../domain/errors.js';

/*
 * Page cursors: opaque strings naming where the next page of one ranking starts. A cursor is
 * `<payload>.<mac>`: the payload is base64url JSON `{ "o": offset }`, the mac an HMAC-SHA256 of
 * it keyed by the query's own arguments (everything but `first` and `after`). A cursor from
 * another query, or edited, fails the check. Stateless: any gateway instance accepts it.
 */

/** How deep pages reach: offset + first never passes this many hits. */
export const MAX_PAGE_DEPTH = 1000;

const MAC_LENGTH = 22;

/** JSON with object keys sorted, so equal arguments give equal keys whatever their order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The key of a query: a hash of its arguments (null and absent arguments are the same). */
export function queryKey(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('base64url');
}

function mac(payload: string, key: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url').slice(0, MAC_LENGTH);
}

export function encodeCursor(offset: number, key: string): string {
  const payload = Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
  return `${payload}.${mac(payload, key)}`;
}

function invalid(): LshqlError {
  return new LshqlError(
    ErrorCode.BAD_USER_INPUT,
    'after is not a cursor of this query: pass the nextCursor of a page of the same query (same arguments except first).',
  );
}

/** The offset a cursor of the query `key` names; BAD_USER_INPUT for any other string. */
export function decodeCursor(cursor: string, key: string): number {
  const [payload, given, ...rest] = cursor.split('.');
  if (!payload || !given || rest.length > 0) throw invalid();
  // Compared as bytes: a MAC of the right length in characters may be longer in UTF-8.
  const givenBytes = Buffer.from(given);
  if (givenBytes.length !== MAC_LENGTH) throw invalid();
  const expected = Buffer.from(mac(payload, key));
  if (!timingSafeEqual(expected, givenBytes)) throw invalid();
  let offset: unknown;
  try {
    offset = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { o?: unknown }).o;
  } catch {
    throw invalid();
  }
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 1) throw invalid();
  if (offset >= MAX_PAGE_DEPTH) throw invalid();
  return offset;
}
