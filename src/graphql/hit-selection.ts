import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  getDirectiveValues,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import type { HitContent } from '../search/query-plan.js';

/**
 * Item fields a hit can be answered with from Elasticsearch's doc values alone (no stored
 * fields): the id and the modalities (kept in canonical order). Everything else (title, text,
 * and tags, whose stored order doc values would lose) needs the item's `_source`.
 */
const KEY_FIELDS = new Set(['id', 'modalities', '__typename']);

type Variables = GraphQLResolveInfo['variableValues'];

/** Whether @skip/@include leave `node` in the query. */
function included(node: FieldNode | SelectionSetNode['selections'][number], vars: Variables) {
  const skip = getDirectiveValues(GraphQLSkipDirective, node, vars);
  if (skip?.['if'] === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, vars);
  return include?.['if'] !== false;
}

/** The fields a selection set selects, fragments spread, by field name (aliases ignored). */
function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): FieldNode[] {
  if (!set) return [];
  return set.selections.flatMap((selection): FieldNode[] => {
    if (!included(selection, info.variableValues)) return [];
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) return fieldsOf(selection.selectionSet, info);
    return fieldsOf(info.fragments[selection.name.value]?.selectionSet, info);
  });
}

/**
 * What the hits of a similarity query must carry, read from the query's selection: `keys` when
 * no hit asks for more of its item than the key fields, so the search loads no stored document
 * at all; otherwise `full`. Walked by hand, not with a resolve-info parser: those coerce every
 * field's arguments again, a query vector of hundreds of numbers included.
 */
export function hitContentOf(info: GraphQLResolveInfo): HitContent {
  const items = info.fieldNodes
    .flatMap((root) => fieldsOf(root.selectionSet, info))
    .filter((field) => field.name.value === 'hits')
    .flatMap((hits) => fieldsOf(hits.selectionSet, info))
    .filter((field) => field.name.value === 'item');
  const needsMore = items.some((item) =>
    fieldsOf(item.selectionSet, info).some((field) => !KEY_FIELDS.has(field.name.value)),
  );
  return needsMore ? 'full' : 'keys';
}
