import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { hitContentOf } from '../../src/graphql/hit-selection.js';
import type { HitContent } from '../../src/search/query-plan.js';

const schema = buildSchema(`
  type Query { similar: Result other: Item }
  type Result { hits: [Hit!]! nextCursor: String }
  type Hit { score: Float item: Item! }
  type Item { id: ID! title: String tags: [String!]! modalities: [String!]! }
`);

/** What `hitContentOf` reads from the `similar` field of `query`. */
async function contentOf(query: string, variables?: Record<string, unknown>) {
  let content: HitContent | undefined;
  const rootValue = {
    similar: (_args: unknown, _context: unknown, info: GraphQLResolveInfo) => {
      content = hitContentOf(info);
      return { hits: [], nextCursor: null };
    },
  };
  const result = await graphql({
    schema,
    source: query,
    rootValue,
    ...(variables ? { variableValues: variables } : {}),
  });
  expect(result.errors).toBeUndefined();
  return content;
}

describe('hitContentOf', () => {
  it('needs only keys for ids, modalities and type names of the hits’ items', async () => {
    expect(await contentOf('{ similar { hits { score item { id } } } }')).toBe('keys');
    expect(await contentOf('{ similar { hits { item { __typename id modalities } } } }')).toBe(
      'keys',
    );
    // No hits selected, or other root fields asking for more: the hits still need nothing.
    expect(await contentOf('{ similar { nextCursor } other { title } }')).toBe('keys');
  });

  it('needs whole items for any other field, however it is selected', async () => {
    const forms = [
      '{ similar { hits { item { id title } } } }',
      '{ similar { hits { item { id tags } } } }',
      '{ similar { hits { item { id name: title } } } }',
      '{ similar { found: hits { item { id title } } } }',
      '{ similar { hits { item { ...F } } } } fragment F on Item { tags }',
      '{ similar { ...R } } fragment R on Result { hits { item { title } } }',
      '{ similar { hits { item { ... on Item { title } } } } }',
      '{ similar { hits { ... { item { title } } } } }',
      '{ similar { hits { item { id } } a: hits { item { title } } } }',
    ];
    for (const form of forms) expect(await contentOf(form), form).toBe('full');
  });

  it('follows @skip and @include, with literal or variable conditions', async () => {
    expect(await contentOf('{ similar { hits { item { id title @skip(if: true) } } } }')).toBe(
      'keys',
    );
    expect(await contentOf('{ similar { hits { item { id title @include(if: false) } } } }')).toBe(
      'keys',
    );
    const query = 'query($t: Boolean!) { similar { hits { item { id title @include(if: $t) } } } }';
    expect(await contentOf(query, { t: false })).toBe('keys');
    expect(await contentOf(query, { t: true })).toBe('full');
    const spread =
      'query($s: Boolean!) { similar { hits { item { id ...F @skip(if: $s) } } } } fragment F on Item { tags }';
    expect(await contentOf(spread, { s: true })).toBe('keys');
    expect(await contentOf(spread, { s: false })).toBe('full');
  });
});
