import type { TagFilter } from '../item-filter.js';

/**
 * The tag filter as `bool` filter clauses on the `tags` keyword field: `terms` for any of
 * them, one `term` per required tag, and a `must_not` `terms` for the excluded ones.
 */
export function tagFilterClauses(tags: TagFilter | null | undefined): unknown[] {
  if (!tags) return [];
  const clauses: unknown[] = [];
  if (tags.any.length > 0) clauses.push({ terms: { tags: [...tags.any] } });
  for (const tag of tags.all) clauses.push({ term: { tags: tag } });
  if (tags.none.length > 0) {
    clauses.push({ bool: { must_not: [{ terms: { tags: [...tags.none] } }] } });
  }
  return clauses;
}
