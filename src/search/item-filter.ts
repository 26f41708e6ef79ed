import { ErrorCode, LshqlError } from '../domain/errors.js';

/** The GraphQL `ItemFilter`: every part given must hold (absent or empty parts hold always). */
export interface ItemFilterInput {
  text?: string | null;
  tagsAny?: readonly string[] | null;
  tagsAll?: readonly string[] | null;
  tagsNone?: readonly string[] | null;
}

/** The tag part of a filter, on the `tags` keyword field (exact, case-sensitive values). */
export interface TagFilter {
  /** At least one of these (none: no constraint). */
  any: string[];
  /** Every one of these. */
  all: string[];
  /** None of these. */
  none: string[];
}

export interface ItemFilterLimits {
  maxTextLength: number;
  /** Tags per list. */
  maxTags: number;
  /** Characters per tag. */
  maxTagLength: number;
}

/** A filter as plans carry it: the full-text words and the tag constraints. */
export interface PlanFilter {
  text: string | null;
  tags: TagFilter | null;
}

/**
 * Cleans a full-text filter: control characters carry no words and an all-blank filter means
 * no filter; longer than the limit is refused (`name` says which argument).
 */
export function cleanText(
  text: string | null | undefined,
  maxLength: number,
  name: string,
): string | null {
  if (text === null || text === undefined) return null;
  if (text.length > maxLength) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `${name} may have at most ${maxLength} characters.`,
    );
  }
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return cleaned === '' ? null : cleaned;
}

function checkTags(
  tags: readonly string[] | null | undefined,
  name: string,
  limits: ItemFilterLimits,
): string[] {
  if (!tags) return [];
  if (tags.length > limits.maxTags) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `filter.${name} may list at most ${limits.maxTags} tags.`,
    );
  }
  for (const tag of tags) {
    if (tag.length > limits.maxTagLength) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `Tags in filter.${name} may have at most ${limits.maxTagLength} characters.`,
      );
    }
  }
  return [...new Set(tags)];
}

/**
 * The filter of a request: `textFilter` and `filter.text` both apply (every word of each must
 * match), the tag lists as given; null parts when nothing constrains.
 */
export function planFilterOf(
  textFilter: string | null | undefined,
  filter: ItemFilterInput | null | undefined,
  limits: ItemFilterLimits,
): PlanFilter {
  const words = [
    cleanText(textFilter, limits.maxTextLength, 'textFilter'),
    cleanText(filter?.text, limits.maxTextLength, 'filter.text'),
  ].filter((w): w is string => w !== null);
  const tags: TagFilter = {
    any: checkTags(filter?.tagsAny, 'tagsAny', limits),
    all: checkTags(filter?.tagsAll, 'tagsAll', limits),
    none: checkTags(filter?.tagsNone, 'tagsNone', limits),
  };
  const hasTags = tags.any.length + tags.all.length + tags.none.length > 0;
  return { text: words.length > 0 ? words.join(' ') : null, tags: hasTags ? tags : null };
}

/** Whether an item with `tags` passes the tag filter (null: every item passes). */
export function passesTags(tags: readonly string[], filter: TagFilter | null | undefined): boolean {
  if (!filter) return true;
  const held = new Set(tags);
  if (filter.any.length > 0 && !filter.any.some((t) => held.has(t))) return false;
  if (!filter.all.every((t) => held.has(t))) return false;
  return !filter.none.some((t) => held.has(t));
}
