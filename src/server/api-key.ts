import { createHash, timingSafeEqual } from 'node:crypto';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer '))
    return auth.slice(7).trim();
  const header = headers['x-api-key'];
  return typeof header === 'string' ? header : null;
}

/** True when no key is configured, or the presented one matches (compared in constant time). */
export function isAuthorized(configured: string | undefined, presented: string | null): boolean {
  if (configured === undefined) return true;
  if (presented === null) return false;
  return timingSafeEqual(digest(configured), digest(presented));
}
