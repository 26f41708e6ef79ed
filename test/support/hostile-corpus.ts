/**
 * A corpus of hostile and malformed HTTP requests for the GraphQL endpoint: operation-shape
 * attacks (depth, aliases, directives, tokens, cost), out-of-range arguments, bad vectors and
 * ids, text filters in Elasticsearch query syntax, broken JSON, wrong content types, oversized
 * bodies, GET mutations, invalid enums, unknown fields, bad variables, and federation's
 * `_entities`. Every request is a read, or a mutation that must be rejected (or, for
 * `deleteItems` of ids no item has, a no-op): the stored data must be unchanged afterwards.
 *
 * Each request says what a correct answer is (`expect`); `judgeAnswer` checks that and the
 * rules that hold for every answer (no 5xx, only allowed codes, no internals in messages).
 */

/** Codes a client may see (DESIGN.md "Conventions" plus Apollo's request-level codes). */
export const ALLOWED_CODES: ReadonlySet<string> = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'MODEL_NOT_TRAINED',
  'DIMENSION_MISMATCH',
  'BACKEND_UNAVAILABLE',
  'UNAUTHENTICATED',
  // Apollo, for the request as a whole. GraphQL Armor's limits (depth, cost, aliases,
  // directives) report as validation errors and come out as GRAPHQL_VALIDATION_FAILED; the token
  // limit is the parser's and comes out as GRAPHQL_PARSE_FAILED.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  // Apollo: several operations and no (or an unknown) `operationName`.
  'OPERATION_RESOLUTION_FAILURE',
  // Apollo's automatic persisted queries: the protocol tells clients to resend the full query
  // with exactly this code, so it stays as it is.
  'PERSISTED_QUERY_NOT_FOUND',
]);

/** Text that must never reach a client in an error message. */
export const FORBIDDEN_IN_MESSAGES: readonly RegExp[] = [
  /\n\s*at /, // a stack frame
  /\bat \//, // "at /path/file"
  /\(\/[^)]*:\d+:\d+\)/, // "(/path/file.ts:1:2)"
  /node_modules/,
  /file:\/\//,
  /\.ts:\d+/,
  /elasticsearch/i,
  /ResponseError/,
  /_exception\b/, // Elasticsearch error types (illegal_argument_exception, ...)
  /\b[A-Z]\w*Exception\b/, // Java exception classes
  /\bTypeError\b|\bReferenceError\b/,
];

export type Category =
  | 'depth'
  | 'aliases'
  | 'directives'
  | 'tokens'
  | 'cost'
  | 'first'
  | 'batch-size'
  | 'vector'
  | 'ids'
  | 'text-filter-unicode'
  | 'text-filter-query-syntax'
  | 'text-filter-plain-words'
  | 'weights'
  | 'training'
  | 'malformed-json'
  | 'content-type'
  | 'body-size'
  | 'get'
  | 'enum'
  | 'unknown-field'
  | 'variables'
  | 'missing-argument'
  | 'operation'
  | 'federation'
  | 'http';

export type DataCheck = (data: Record<string, unknown>) => string | undefined;

export type Expectation =
  /** A correct result: HTTP 200, `data`, no errors, and `check` (when given) passes. */
  | { kind: 'data'; check?: DataCheck }
  /** GraphQL errors only, each with one of `codes`. */
  | { kind: 'error'; codes: readonly string[] }
  /** Refused before GraphQL (body, content type, method): any 4xx; JSON or not. */
  | { kind: 'http-4xx' }
  /** Either a correct result or allowed errors; for requests whose answer legitimately varies. */
  | { kind: 'either' };

export interface HostileRequest {
  name: string;
  category: Category;
  method: string;
  /** Path and query string, e.g. `/graphql?query=...`. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with chunked transfer encoding (no content-length). */
  chunked?: boolean;
  expect: Expectation;
  /** A mutation: it must be rejected, or change nothing. */
  mutation?: boolean;
}

export interface CorpusContext {
  /** Ids of stored items (at least 3); the first has a title word shared by items like it. */
  knownIds: readonly string[];
  /** A word of the first known item's title that items similar to it share. */
  titleWord: string;
  imageVector: readonly number[];
  textVector: readonly number[];
  maxBatch: number;
  maxFirst: number;
  bodyLimit: number;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const MiB = 1024 * 1024;

const SIMILAR_QUERY = `query Similar($id: ID!, $textFilter: String, $first: Int) {
  similar(id: $id, textFilter: $textFilter, first: $first) { hits { score item { id title text } } }
}`;
const BY_VECTOR_QUERY = `query ByVector($modality: Modality!, $vector: [Float!]!, $textFilter: String, $first: Int) {
  similarToVector(modality: $modality, vector: $vector, textFilter: $textFilter, first: $first) {
    hits { score item { id title text } }
  }
}`;
const INGEST_MUTATION = `mutation Ingest($items: [ItemInput!]!) {
  ingestItems(items: $items) { indexed failed { id code message } }
}`;
const DELETE_MUTATION = `mutation Delete($ids: [ID!]!) { deleteItems(ids: $ids) }`;
const TRAIN_MUTATION = `mutation Train($modality: Modality!, $subspaces: Int, $clusters: Int, $sampleSize: Int) {
  trainModel(modality: $modality, subspaces: $subspaces, clusters: $clusters, sampleSize: $sampleSize) { version }
}`;

// --- expectations ---------------------------------------------------------------------------

const data = (check?: DataCheck): Expectation => ({ kind: 'data', check });
const error = (...codes: string[]): Expectation => ({ kind: 'error', codes });
const http4xx: Expectation = { kind: 'http-4xx' };
const either: Expectation = { kind: 'either' };
const badInput = error('BAD_USER_INPUT');
const invalid = error('GRAPHQL_VALIDATION_FAILED');

type Json = Record<string, unknown>;

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Json)[key] : undefined;
}

/** `data[root].hits` is a list of at most `first` hits, never `excludeId`, best first. */
function hitsOf(root: string, options: { first?: number; excludeId?: string } = {}): DataCheck {
  return (d) => {
    const hits = field(d[root], 'hits');
    if (!Array.isArray(hits)) return `${root}.hits is not a list`;
    if (hits.length > (options.first ?? 10)) return `${hits.length} hits, more than first`;
    const ids = hits.map((h) => field(field(h, 'item'), 'id'));
    if (options.excludeId !== undefined && ids.includes(options.excludeId)) {
      return `the query item ${options.excludeId} is among its own hits`;
    }
    const scores = hits.map((h) => field(h, 'score'));
    if (scores.some((s) => typeof s !== 'number' || !Number.isFinite(s))) return 'a bad score';
    return undefined;
  };
}

/** Like `hitsOf`, and every hit's title or text holds `word`: it was matched as a plain word. */
function hitsWithWord(root: string, word: string, excludeId?: string): DataCheck {
  return (d) => {
    const problem = hitsOf(root, { excludeId })(d);
    if (problem) return problem;
    const hits = field(d[root], 'hits') as unknown[];
    if (hits.length === 0) return `no hits for the plain word "${word}"`;
    const without = hits.filter((h) => {
      const item = field(h, 'item');
      const text = `${String(field(item, 'title') ?? '')} ${String(field(item, 'text') ?? '')}`;
      return !text.toLowerCase().split(/\W+/).includes(word.toLowerCase());
    });
    return without.length ? `${without.length} hits lack the word "${word}"` : undefined;
  };
}

/** `ingestItems` stored nothing and reported every item failed, each with one of `codes`. */
function ingestRejected(count: number, ...codes: string[]): DataCheck {
  return (d) => {
    const result = d.ingestItems as { indexed: number; failed: { code: string }[] } | undefined;
    if (!result) return 'no ingestItems';
    if (result.indexed !== 0) return `${result.indexed} items were stored`;
    if (result.failed.length !== count) return `${result.failed.length} failures, not ${count}`;
    const bad = result.failed.filter((f) => !codes.includes(f.code));
    return bad.length ? `unexpected failure codes ${bad.map((f) => f.code).join(', ')}` : undefined;
  };
}

const equals =
  (key: string, expected: unknown): DataCheck =>
  (d) =>
    JSON.stringify(d[key]) === JSON.stringify(expected)
      ? undefined
      : `${key} is ${JSON.stringify(d[key])?.slice(0, 200)}, not ${JSON.stringify(expected)}`;

// --- request builders -----------------------------------------------------------------------

function post(
  name: string,
  category: Category,
  payload: unknown,
  expect: Expectation,
  headers: Record<string, string> = JSON_HEADERS,
): HostileRequest {
  const body = JSON.stringify(payload);
  const query = field(payload, 'query');
  const mutation = typeof query === 'string' && /^\s*mutation\b/.test(query);
  return { name, category, method: 'POST', path: '/graphql', headers, body, expect, mutation };
}

function op(
  name: string,
  category: Category,
  query: string,
  variables: Json | undefined,
  expect: Expectation,
): HostileRequest {
  return post(name, category, { query, ...(variables ? { variables } : {}) }, expect);
}

function raw(
  name: string,
  category: Category,
  body: string | Buffer,
  headers: Record<string, string>,
  expect: Expectation,
): HostileRequest {
  return { name, category, method: 'POST', path: '/graphql', headers, body, expect };
}

function get(
  name: string,
  category: Category,
  params: Record<string, string>,
  headers: Record<string, string>,
  expect: Expectation,
  mutation = false,
): HostileRequest {
  const search = new URLSearchParams(params).toString();
  return { name, category, method: 'GET', path: `/graphql?${search}`, headers, expect, mutation };
}

/** `count` aliased copies of `selection` (with `$i` replaced by the index). */
function aliased(count: number, selection: string): string {
  return Array.from(
    { length: count },
    (_, i) => `a${i}: ${selection.replaceAll('$i', String(i))}`,
  ).join(' ');
}

function nestedInlineFragments(levels: number, inner: string): string {
  return '... on Query { '.repeat(levels) + inner + ' }'.repeat(levels);
}

// --- the corpus -----------------------------------------------------------------------------

export function buildHostileCorpus(ctx: CorpusContext): HostileRequest[] {
  const [id, id2, id3] = ctx.knownIds as [string, string, string];
  const imageDim = ctx.imageVector.length;
  const textDim = ctx.textVector.length;
  const image = [...ctx.imageVector];
  const corpus: HostileRequest[] = [];
  const add = (...requests: HostileRequest[]) => corpus.push(...requests);
  const similar = (variables: Json, expect: Expectation, name: string, category: Category) =>
    op(name, category, SIMILAR_QUERY, variables, expect);
  const byVector = (variables: Json, expect: Expectation, name: string, category: Category) =>
    op(name, category, BY_VECTOR_QUERY, { modality: 'IMAGE', ...variables }, expect);
  /** An ingest of items that must all fail; they reuse stored ids, so a bug would overwrite. */
  const ingestBad = (name: string, items: Json[], ...codes: string[]) =>
    op(
      name,
      'batch-size',
      INGEST_MUTATION,
      { items },
      data(ingestRejected(items.length, ...codes)),
    );
  const stored = (extra: Json = {}): Json => ({
    id,
    title: 'overwritten by a hostile request',
    imageVector: image,
    textVector: [...ctx.textVector],
    ...extra,
  });

  // Depth (limit 12).
  add(
    op(
      '13 nested inline fragments',
      'depth',
      `{ ${nestedInlineFragments(13, '__typename')} }`,
      undefined,
      invalid,
    ),
    op(
      '11 nested inline fragments (within the limit)',
      'depth',
      `{ ${nestedInlineFragments(11, '__typename')} }`,
      undefined,
      data(),
    ),
    op(
      '100 nested inline fragments',
      'depth',
      `{ ${nestedInlineFragments(100, '__typename')} }`,
      undefined,
      invalid,
    ),
    op(
      'nested fragment spreads, 14 deep',
      'depth',
      `query { ...F0 } ${Array.from({ length: 14 }, (_, i) => `fragment F${i} on Query { __typename ${i < 13 ? `...F${i + 1}` : ''} }`).join(' ')}`,
      undefined,
      invalid,
    ),
    op(
      '__type ofType chain 15 deep',
      'depth',
      `{ __type(name: "Item") { ${'ofType { '.repeat(15)}name${' }'.repeat(15)} } }`,
      undefined,
      invalid,
    ),
    op(
      'nested inline fragments inside similar',
      'depth',
      `{ similar(id: "${id}") { hits { item { ${'... on Item { '.repeat(12)}id${' }'.repeat(12)} } } } }`,
      undefined,
      invalid,
    ),
    op(
      '6,000 nested selections (parser recursion)',
      'depth',
      `{ ${'a { '.repeat(6000)}b${' }'.repeat(6000)} }`,
      undefined,
      error('GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'),
    ),
    op(
      '9,000 nested list literals',
      'depth',
      `{ similarToVector(modality: IMAGE, vector: ${'['.repeat(9000)}1${']'.repeat(9000)}) { hits { score } } }`,
      undefined,
      error('GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'),
    ),
    op(
      'fragment cycle',
      'depth',
      'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
      undefined,
      invalid,
    ),
    op(
      'self-spreading fragment',
      'depth',
      'query { ...A } fragment A on Query { __typename ...A }',
      undefined,
      invalid,
    ),
  );

  // Aliases (limit 50; `__typename` aliases are on Armor's allow-list).
  add(
    op(
      '51 aliased item look-ups',
      'aliases',
      `{ ${aliased(51, `item(id: "${id}") { id }`)} }`,
      undefined,
      invalid,
    ),
    op(
      '50 aliased item look-ups (the limit)',
      'aliases',
      `{ ${aliased(50, `item(id: "${id}") { id }`)} }`,
      undefined,
      data(),
    ),
    op(
      '1,000 aliased similar queries',
      'aliases',
      `{ ${aliased(1000, `similar(id: "${id}") { hits { score } }`)} }`,
      undefined,
      invalid,
    ),
    op(
      '60 aliased scores inside one similar',
      'aliases',
      `{ similar(id: "${id}") { hits { ${aliased(60, 'score')} } } }`,
      undefined,
      invalid,
    ),
    op(
      'aliases multiplied through a fragment',
      'aliases',
      `{ ${'...F '.repeat(10)}} fragment F on Query { ${aliased(6, `item(id: "${id}") { id }`)} }`,
      undefined,
      invalid,
    ),
    op(
      '60 aliased __typename (allowed)',
      'aliases',
      `{ ${aliased(60, '__typename')} }`,
      undefined,
      data(),
    ),
  );

  // Directives (limit 50).
  add(
    op(
      '51 @skip directives',
      'directives',
      `{ ${'__typename @skip(if: false) '.repeat(51)}}`,
      undefined,
      invalid,
    ),
    op(
      '50 @skip directives (the limit)',
      'directives',
      `{ ${'__typename @skip(if: false) '.repeat(50)}}`,
      undefined,
      data(),
    ),
    op(
      '1,000 directives on one field',
      'directives',
      `{ __typename ${'@include(if: true) '.repeat(1000)}}`,
      undefined,
      invalid,
    ),
    op('unknown directive', 'directives', '{ __typename @nope }', undefined, invalid),
    op(
      'directive in the wrong place',
      'directives',
      'query @skip(if: true) { __typename }',
      undefined,
      invalid,
    ),
    op(
      '@include with a string',
      'directives',
      '{ __typename @include(if: "yes") }',
      undefined,
      invalid,
    ),
    op(
      '@deprecated on a query field',
      'directives',
      '{ __typename @deprecated }',
      undefined,
      invalid,
    ),
  );

  // Tokens (limit 20,000).
  add(
    op(
      '20,001 tokens',
      'tokens',
      `{ ${'__typename '.repeat(20_001)}}`,
      undefined,
      error('GRAPHQL_PARSE_FAILED'),
    ),
    op(
      '200,000 tokens',
      'tokens',
      `{ ${'__typename '.repeat(200_000)}}`,
      undefined,
      error('GRAPHQL_PARSE_FAILED'),
    ),
    op(
      '25,000-value vector literal',
      'tokens',
      `{ similarToVector(modality: IMAGE, vector: [${'0.5,'.repeat(25_000)}]) { hits { score } } }`,
      undefined,
      error('GRAPHQL_PARSE_FAILED'),
    ),
    op(
      '19,000 repeated fields (overlap check is metered)',
      'tokens',
      `{ ${'__typename '.repeat(19_000)}}`,
      undefined,
      either,
    ),
    op(
      '2,000 repeated item look-ups',
      'tokens',
      `{ ${`item(id: "${id}") { id } `.repeat(2000)}}`,
      undefined,
      either,
    ),
    op(
      'a 7 MiB comment',
      'tokens',
      `# ${'x'.repeat(7 * MiB)}\n{ __typename }`,
      undefined,
      data(equals('__typename', 'Query')),
    ),
    op(
      '5,000 unused variables',
      'tokens',
      `query(${Array.from({ length: 5000 }, (_, i) => `$v${i}: Int`).join(' ')}) { __typename }`,
      undefined,
      error('GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'),
    ),
  );

  // Cost (limit 20,000).
  const fullSimilar = (i: number, first: number) =>
    `a${i}: similar(id: "${id}", first: ${first}) { hits { score item { id title text tags modalities } } modelVersions { modality version } }`;
  add(
    op(
      '6 similar queries with first: 100',
      'cost',
      `{ ${Array.from({ length: 6 }, (_, i) => fullSimilar(i, 100)).join(' ')} }`,
      undefined,
      invalid,
    ),
    op(
      '20 similar queries with first: 50',
      'cost',
      `{ ${Array.from({ length: 20 }, (_, i) => fullSimilar(i, 50)).join(' ')} }`,
      undefined,
      invalid,
    ),
    op(
      'one similar with first: 100 (allowed)',
      'cost',
      `{ ${fullSimilar(0, 100)} }`,
      undefined,
      data(),
    ),
    op(
      'fragment reused under 50 aliases',
      'cost',
      `{ ${aliased(50, `similar(id: "${id}", first: 100) { ...R }`)} } fragment R on SimilarResult { hits { score item { id title text tags } } }`,
      undefined,
      invalid,
    ),
    op(
      'fragment fan-out 5,000 spreads',
      'cost',
      `query { ${'...F '.repeat(5000)}} fragment F on Query { __typename item(id: "${id}") { id title } }`,
      undefined,
      invalid,
    ),
  );

  // first (1..100).
  for (const [label, first, expect] of [
    ['0', 0, badInput],
    ['-1', -1, badInput],
    ['101', ctx.maxFirst + 1, badInput],
    ['2^31 (not an Int)', 2 ** 31, badInput],
    ['-2^31', -(2 ** 31), badInput],
    ['1.5', 1.5, badInput],
    ['"10" (a string)', '10', badInput],
    ['null (the default)', null, data(hitsOf('similar', { excludeId: id }))],
    [
      '100 (the limit)',
      ctx.maxFirst,
      data(hitsOf('similar', { first: ctx.maxFirst, excludeId: id })),
    ],
    ['1', 1, data(hitsOf('similar', { first: 1, excludeId: id }))],
  ] as const) {
    add(similar({ id, first }, expect, `similar first: ${label}`, 'first'));
  }
  add(
    byVector({ vector: image, first: 0 }, badInput, 'similarToVector first: 0', 'first'),
    byVector(
      { vector: image, first: ctx.maxFirst + 1 },
      badInput,
      'similarToVector first: 101',
      'first',
    ),
    byVector({ vector: image, first: -1 }, badInput, 'similarToVector first: -1', 'first'),
    op(
      'first: 2^31 as a literal',
      'first',
      `{ similar(id: "${id}", first: 2147483648) { hits { score } } }`,
      undefined,
      invalid,
    ),
    op(
      'first: 101 as a literal',
      'first',
      `{ similar(id: "${id}", first: 101) { hits { score } } }`,
      undefined,
      badInput,
    ),
    op(
      'first: 0 as a literal',
      'first',
      `{ similar(id: "${id}", first: 0) { hits { score } } }`,
      undefined,
      badInput,
    ),
    op(
      'first: 1e3 as a literal',
      'first',
      `{ similar(id: "${id}", first: 1e3) { hits { score } } }`,
      undefined,
      invalid,
    ),
  );

  // Batch sizes (1..1000) and rejected ingests: each reuses a stored id, so a bug would show.
  const manyIds = (n: number) =>
    Array.from({ length: n }, (_, i) => ctx.knownIds[i % ctx.knownIds.length]!);
  add(
    op('ingest of 0 items', 'batch-size', INGEST_MUTATION, { items: [] }, badInput),
    op(
      'ingest of 1,001 items',
      'batch-size',
      INGEST_MUTATION,
      { items: Array.from({ length: ctx.maxBatch + 1 }, (_, i) => stored({ id: `${id}-${i}` })) },
      badInput,
    ),
    op('deleteItems of 0 ids', 'batch-size', DELETE_MUTATION, { ids: [] }, badInput),
    op(
      'deleteItems of 1,001 stored ids',
      'batch-size',
      DELETE_MUTATION,
      { ids: manyIds(ctx.maxBatch + 1) },
      badInput,
    ),
    op(
      'items of 1,001 ids',
      'batch-size',
      'query($ids: [ID!]!) { items(ids: $ids) { id } }',
      { ids: manyIds(ctx.maxBatch + 1) },
      badInput,
    ),
    op(
      'items of 1,000 ids (the limit)',
      'batch-size',
      'query($ids: [ID!]!) { items(ids: $ids) { id } }',
      { ids: manyIds(ctx.maxBatch) },
      data(),
    ),
    op(
      'items of 0 ids',
      'batch-size',
      '{ items(ids: []) { id } }',
      undefined,
      data(equals('items', [])),
    ),
    ingestBad(
      'ingest, wrong image vector length',
      [stored({ imageVector: image.slice(1) })],
      'DIMENSION_MISMATCH',
    ),
    ingestBad('ingest, empty image vector', [stored({ imageVector: [] })], 'BAD_USER_INPUT'),
    ingestBad(
      'ingest, 5,000-value vector',
      [stored({ imageVector: new Array(5000).fill(0.1) })],
      'BAD_USER_INPUT',
    ),
    ingestBad(
      'ingest, 1e308 values',
      [stored({ imageVector: image.map(() => 1e308) })],
      'BAD_USER_INPUT',
    ),
    ingestBad('ingest, empty id', [stored({ id: '' })], 'BAD_USER_INPUT'),
    ingestBad('ingest, blank id', [stored({ id: ' \t ' })], 'BAD_USER_INPUT'),
    ingestBad('ingest, 513-byte id', [stored({ id: 'i'.repeat(513) })], 'BAD_USER_INPUT'),
    ingestBad(
      'ingest, 200 × "€" id (600 bytes)',
      [stored({ id: '€'.repeat(200) })],
      'BAD_USER_INPUT',
    ),
    ingestBad(
      'ingest, 101 tags',
      [stored({ tags: Array.from({ length: 101 }, (_, i) => `t${i}`) })],
      'BAD_USER_INPUT',
    ),
    ingestBad(
      'ingest, a 300-character tag',
      [stored({ tags: ['t'.repeat(300)] })],
      'BAD_USER_INPUT',
    ),
    ingestBad('ingest, an empty tag', [stored({ tags: [''] })], 'BAD_USER_INPUT'),
    ingestBad(
      'ingest, a 100,001-character title',
      [stored({ title: 't'.repeat(100_001) })],
      'BAD_USER_INPUT',
    ),
    ingestBad(
      'ingest, duplicate ids, both bad',
      [stored({ imageVector: [1] }), stored({ textVector: [] })],
      'DIMENSION_MISMATCH',
      'BAD_USER_INPUT',
    ),
    ingestBad(
      'ingest, text vector with image length',
      [stored({ textVector: image })],
      'DIMENSION_MISMATCH',
    ),
    op(
      'ingest, a vector with a string',
      'batch-size',
      INGEST_MUTATION,
      { items: [stored({ imageVector: ['a', ...image.slice(1)] })] },
      badInput,
    ),
    op(
      'ingest, a vector with null',
      'batch-size',
      INGEST_MUTATION,
      { items: [stored({ imageVector: [null, ...image.slice(1)] })] },
      badInput,
    ),
    op(
      'ingest, an unknown input field',
      'batch-size',
      INGEST_MUTATION,
      { items: [stored({ color: 'red' })] },
      badInput,
    ),
    op('ingest, no id', 'batch-size', INGEST_MUTATION, { items: [{ title: 'no id' }] }, badInput),
    // A single object coerces to a one-item list (GraphQL input coercion).
    op(
      'ingest, items is one object',
      'batch-size',
      INGEST_MUTATION,
      { items: stored({ imageVector: [] }) },
      data(ingestRejected(1, 'BAD_USER_INPUT')),
    ),
    op(
      'ingest, 1e400 in a vector literal',
      'batch-size',
      `mutation { ingestItems(items: [{ id: "${id}", title: "x", imageVector: [${image.map(() => '1e400').join(', ')}] }]) { indexed failed { id code message } } }`,
      undefined,
      data(ingestRejected(1, 'BAD_USER_INPUT')),
    ),
  );

  // Vectors for similarToVector.
  const badVectors: [string, unknown, Expectation][] = [
    ['one value short', image.slice(1), error('DIMENSION_MISMATCH')],
    ['one value too many', [...image, 0.1], error('DIMENSION_MISMATCH')],
    ['the TEXT length', [...ctx.textVector], error('DIMENSION_MISMATCH')],
    ['empty', [], badInput],
    ['5,000 values', new Array(5000).fill(0.1), badInput],
    ['4,096 values', new Array(4096).fill(0.1), error('DIMENSION_MISMATCH')],
    ['100,000 values', new Array(100_000).fill(0.1), badInput],
    ['with a string', ['x', ...image.slice(1)], badInput],
    ['with a numeric string', ['0.5', ...image.slice(1)], badInput],
    ['with null', [null, ...image.slice(1)], badInput],
    ['"NaN"', image.map(() => 'NaN'), badInput],
    ['"Infinity"', ['Infinity', ...image.slice(1)], badInput],
    ['"-Infinity"', ['-Infinity', ...image.slice(1)], badInput],
    ['a nested list', [image], badInput],
    ['an object', { 0: 1 }, badInput],
    ['true', [true, ...image.slice(1)], badInput],
    ['1e308 values', image.map(() => 1e308), badInput],
    ['-1e300 and 1e300', image.map((_, i) => (i % 2 ? 1e300 : -1e300)), badInput],
    ['all zeros', image.map(() => 0), badInput],
    ['denormals (squares underflow to 0)', image.map(() => 5e-324), badInput],
    ['a single number', 0.5, error('DIMENSION_MISMATCH')],
  ];
  for (const [label, vector, expect] of badVectors) {
    add(byVector({ vector }, expect, `vector: ${label}`, 'vector'));
  }
  const numbers = (values: string[]) => `[${values.join(',')}]`;
  const rawVector = (label: string, values: string[], expect: Expectation) =>
    raw(
      `vector in raw JSON: ${label}`,
      'vector',
      `{"query":${JSON.stringify(BY_VECTOR_QUERY)},"variables":{"modality":"IMAGE","vector":${numbers(values)}}}`,
      JSON_HEADERS,
      expect,
    );
  const imageStrings = image.map(String);
  add(
    rawVector('1e400', ['1e400', ...imageStrings.slice(1)], badInput),
    rawVector(
      '-1e400',
      imageStrings.map(() => '-1e400'),
      badInput,
    ),
    rawVector(
      '1e-400 (underflows to 0)',
      ['1e-400', ...imageStrings.slice(1)],
      data(hitsOf('similarToVector')),
    ),
    rawVector('NaN (not JSON)', ['NaN', ...imageStrings.slice(1)], http4xx),
    rawVector('Infinity (not JSON)', ['Infinity', ...imageStrings.slice(1)], http4xx),
    rawVector('-0', ['-0', ...imageStrings.slice(1)], data(hitsOf('similarToVector'))),
    op(
      'vector literal of 1e400',
      'vector',
      `{ similarToVector(modality: IMAGE, vector: [${image.map(() => '1e400').join(', ')}]) { hits { score } } }`,
      undefined,
      badInput,
    ),
    op(
      'vector literal with NaN',
      'vector',
      `{ similarToVector(modality: IMAGE, vector: [NaN${', 0.5'.repeat(imageDim - 1)}]) { hits { score } } }`,
      undefined,
      invalid,
    ),
    op(
      'vector literal with a string',
      'vector',
      `{ similarToVector(modality: IMAGE, vector: ["0.5"${', 0.5'.repeat(imageDim - 1)}]) { hits { score } } }`,
      undefined,
      invalid,
    ),
    op(
      'vector literal of 5,000 values',
      'vector',
      `{ similarToVector(modality: IMAGE, vector: [${'0.5, '.repeat(5000)}]) { hits { score } } }`,
      undefined,
      badInput,
    ),
    op(
      'TEXT vector of IMAGE length',
      'vector',
      BY_VECTOR_QUERY,
      { modality: 'TEXT', vector: image },
      error('DIMENSION_MISMATCH'),
    ),
    op(
      'TEXT vector, correct length',
      'vector',
      BY_VECTOR_QUERY,
      { modality: 'TEXT', vector: [...ctx.textVector] },
      data(hitsOf('similarToVector')),
    ),
  );
  if (textDim === imageDim) throw new Error('the corpus needs different IMAGE and TEXT lengths');

  // Ids.
  const longId = 'x'.repeat(513);
  const itemQuery = 'query($id: ID!) { item(id: $id) { id title } }';
  const itemIs = (expected: unknown) => data(equals('item', expected));
  add(
    op('item, unknown id', 'ids', itemQuery, { id: 'no-such-item' }, itemIs(null)),
    op('item, empty id', 'ids', itemQuery, { id: '' }, itemIs(null)),
    op('item, 513-byte id', 'ids', itemQuery, { id: longId }, itemIs(null)),
    op('item, 5 MB id', 'ids', itemQuery, { id: 'y'.repeat(5_000_000) }, itemIs(null)),
    op('item, id with NUL', 'ids', itemQuery, { id: `${id}\u0000` }, itemIs(null)),
    op('item, id with a lone surrogate', 'ids', itemQuery, { id: `${id}\ud800` }, itemIs(null)),
    op('item, id "*"', 'ids', itemQuery, { id: '*' }, itemIs(null)),
    op('item, id "_all"', 'ids', itemQuery, { id: '_all' }, itemIs(null)),
    op('item, id "../../_search"', 'ids', itemQuery, { id: '../../_search' }, itemIs(null)),
    op('item, id as a number', 'ids', itemQuery, { id: 12 }, itemIs(null)),
    op('item, id as an object', 'ids', itemQuery, { id: { a: 1 } }, badInput),
    op('item, id as a list', 'ids', itemQuery, { id: [id] }, badInput),
    op('item, id as a float', 'ids', itemQuery, { id: 1.5 }, badInput),
    op('item, id null', 'ids', itemQuery, { id: null }, badInput),
    similar({ id: 'no-such-item' }, error('NOT_FOUND'), 'similar, unknown id', 'ids'),
    similar({ id: '' }, error('NOT_FOUND'), 'similar, empty id', 'ids'),
    similar({ id: longId }, error('NOT_FOUND'), 'similar, 513-byte id', 'ids'),
    similar({ id: '\u202e\u200f' }, error('NOT_FOUND'), 'similar, RTL-mark id', 'ids'),
    similar({ id: '\ud83d' }, error('NOT_FOUND'), 'similar, lone-surrogate id', 'ids'),
    op(
      'items, duplicate ids',
      'ids',
      'query($ids: [ID!]!) { items(ids: $ids) { id } }',
      { ids: [id, id, id2, id] },
      data(equals('items', [{ id }, { id }, { id: id2 }, { id }])),
    ),
    op(
      'items, unknown, empty and long ids',
      'ids',
      'query($ids: [ID!]!) { items(ids: $ids) { id } }',
      { ids: ['nope', '', longId, id3] },
      data(equals('items', [null, null, null, { id: id3 }])),
    ),
    op(
      'items, a null id',
      'ids',
      'query($ids: [ID!]!) { items(ids: $ids) { id } }',
      { ids: [id, null] },
      badInput,
    ),
    op('deleteItems, an empty id', 'ids', DELETE_MUTATION, { ids: [''] }, badInput),
    op(
      'deleteItems, a stored id and an empty one',
      'ids',
      DELETE_MUTATION,
      { ids: [id, ''] },
      badInput,
    ),
    // Exceptions to "only rejected mutations": deleting ids no item has is a no-op that answers 0.
    op(
      'deleteItems, unknown ids (no-op)',
      'ids',
      DELETE_MUTATION,
      { ids: ['no-such-item', 'nor-this'] },
      data(equals('deleteItems', 0)),
    ),
    op(
      'deleteItems, 513-byte id (no-op)',
      'ids',
      DELETE_MUTATION,
      { ids: [longId] },
      data(equals('deleteItems', 0)),
    ),
    op(
      'deleteItems, NUL id (no-op)',
      'ids',
      DELETE_MUTATION,
      { ids: ['\u0000'] },
      data(equals('deleteItems', 0)),
    ),
  );

  // textFilter: Unicode and control characters; each must answer hits or an empty list.
  const unicodeFilters: [string, string][] = [
    ['NUL', '\u0000'],
    ['NULs around a word', `\u0000${ctx.titleWord}\u0000`],
    ['all C0 controls', Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('')],
    ['DEL and C1 controls', '\u007f\u0080\u0085\u009f'],
    ['RTL marks', `\u200f\u202e${ctx.titleWord}\u202c`],
    ['zero-width characters', `${ctx.titleWord}\u200b\u200c\u200d\ufeff`],
    ['emoji', '🔥🚀 ✨'],
    ['a ZWJ emoji sequence', '👩‍👩‍👧‍👦'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
    ['reversed surrogate pair', '\ude00\ud83d'],
    ['a BOM', '\ufeff'],
    ['combining marks', 'e\u0301\u0301\u0301'],
    ['Han ideographs', '中文字'],
    ['Arabic', 'مرحبا'],
    ['full-width letters', 'ｔｉｔｌｅ'],
    ['line and paragraph separators', '\u2028\u2029'],
    ['noncharacters', '\uffff\ufffe'],
    ['a 1,000-character word (the limit)', 'w'.repeat(1000)],
    ['1,000 spaces', ' '.repeat(1000)],
    ['whitespace only', ' \t\r\n '],
    ['the empty string', ''],
    [
      '500 words',
      Array.from({ length: 500 }, (_, i) => `w${i}`)
        .join(' ')
        .slice(0, 1000),
    ],
    ['URL-encoded NUL', '%00'],
    ['an astral-plane letter', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
  ];
  for (const [label, textFilter] of unicodeFilters) {
    add(
      similar(
        { id, textFilter },
        data(hitsOf('similar', { excludeId: id })),
        `textFilter: ${label}`,
        'text-filter-unicode',
      ),
    );
  }
  add(
    similar(
      { id, textFilter: 'w'.repeat(1001) },
      badInput,
      'textFilter: 1,001 characters',
      'text-filter-unicode',
    ),
    similar(
      { id, textFilter: 'w '.repeat(3 * MiB) },
      badInput,
      'textFilter: 6 MiB',
      'text-filter-unicode',
    ),
    byVector(
      { vector: image, textFilter: '\u0000\ud800🔥\u202e' },
      data(hitsOf('similarToVector')),
      'similarToVector textFilter: controls, surrogate, emoji',
      'text-filter-unicode',
    ),
    raw(
      'textFilter: invalid UTF-8 bytes',
      'text-filter-unicode',
      Buffer.concat([
        Buffer.from(
          `{"query":${JSON.stringify(SIMILAR_QUERY)},"variables":{"id":"${id}","textFilter":"`,
        ),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82]),
        Buffer.from('"}}'),
      ]),
      JSON_HEADERS,
      data(hitsOf('similar', { excludeId: id })),
    ),
    raw(
      'textFilter: escaped lone surrogate in raw JSON',
      'text-filter-unicode',
      `{"query":${JSON.stringify(SIMILAR_QUERY)},"variables":{"id":"${id}","textFilter":"\\ud800\\udfff\\udc00"}}`,
      JSON_HEADERS,
      data(hitsOf('similar', { excludeId: id })),
    ),
  );

  // textFilter in Elasticsearch (Lucene) query syntax: plain words, never syntax.
  const syntaxFilters = [
    'title:foo AND bar',
    '*',
    '"quoted" -x',
    '{"match_all":{}}',
    '\\',
    '\\\\',
    '[a TO z]',
    '{a TO z}',
    'foo~2',
    '/regex.*/',
    '?',
    'foo^10',
    '(((',
    ')))',
    '&& ||',
    '!',
    'a OR b',
    'NOT x',
    '_exists_:title',
    'title:*',
    '<script>alert(1)</script>',
    "' OR '1'='1",
    '${jndi:ldap://127.0.0.1/a}',
    '{{7*7}}',
    '"unterminated',
    '{"query":{"script":{"source":"1"}}}',
    'field:(a b) +c -d',
    '~ ^ : / \\ " ( ) [ ] { }',
    'a:b:c',
    '+++ ---',
    '_id:*',
    `title:${ctx.titleWord}`,
  ];
  for (const textFilter of syntaxFilters) {
    add(
      similar(
        { id, textFilter },
        data(hitsOf('similar', { excludeId: id })),
        `textFilter: ${textFilter}`,
        'text-filter-query-syntax',
      ),
    );
  }
  for (const textFilter of ['*', '{"match_all":{}}', '/regex.*/', 'title:foo AND bar']) {
    add(
      byVector(
        { vector: image, textFilter },
        data(hitsOf('similarToVector')),
        `similarToVector textFilter: ${textFilter}`,
        'text-filter-query-syntax',
      ),
    );
  }
  // Plain-word semantics, shown: `-word` would exclude the word as query syntax; here every hit
  // holds it.
  const w = ctx.titleWord;
  for (const textFilter of [
    w,
    `-${w}`,
    `${w}*`,
    `"${w}"`,
    `(${w})`,
    `+${w}`,
    `${w}?`,
    `${w.toUpperCase()}!`,
  ]) {
    add(
      similar(
        { id, textFilter },
        data(hitsWithWord('similar', w, id)),
        `textFilter as a plain word: ${textFilter}`,
        'text-filter-plain-words',
      ),
    );
  }

  // Weights.
  const weighted = (weights: string) =>
    `{ similar(id: "${id}", weights: ${weights}) { hits { score } } }`;
  add(
    op('weights: image -1', 'weights', weighted('{ image: -1 }'), undefined, badInput),
    op(
      'weights: image 1e400 (Infinity)',
      'weights',
      weighted('{ image: 1e400 }'),
      undefined,
      badInput,
    ),
    op(
      'weights: 1e308 each',
      'weights',
      weighted('{ image: 1e308, text: 1e308 }'),
      undefined,
      badInput,
    ),
    op('weights: 0 each', 'weights', weighted('{ image: 0, text: 0 }'), undefined, data()),
    op(
      'weights: null each',
      'weights',
      weighted('{ image: null, text: null }'),
      undefined,
      data(hitsOf('similar')),
    ),
    op('weights: an unknown key', 'weights', weighted('{ audio: 1 }'), undefined, invalid),
    op('weights: a string', 'weights', weighted('{ image: "1" }'), undefined, invalid),
    op(
      'weights via variables: NaN string',
      'weights',
      'query($w: ModalityWeights) { similar(id: "x", weights: $w) { hits { score } } }',
      { w: { image: 'NaN' } },
      badInput,
    ),
  );

  // Training with bad parameters: every one must be refused before anything is trained.
  for (const [label, variables] of [
    ['subspaces 0', { subspaces: 0 }],
    ['subspaces -1', { subspaces: -1 }],
    ['subspaces beyond the vector length', { subspaces: 1000 }],
    ['clusters 1', { clusters: 1 }],
    ['clusters 100,000', { clusters: 100_000 }],
    ['sampleSize 0', { sampleSize: 0 }],
    ['sampleSize 10^9', { sampleSize: 1_000_000_000 }],
    ['subspaces 2^31', { subspaces: 2 ** 31 }],
    ['modality AUDIO', { modality: 'AUDIO' }],
    ['modality null', { modality: null }],
  ] as const) {
    add(
      op(
        `trainModel ${label}`,
        'training',
        TRAIN_MUTATION,
        { modality: 'IMAGE', ...variables },
        badInput,
      ),
    );
  }

  // Malformed JSON bodies.
  const valid = JSON.stringify({ query: '{ __typename }' });
  for (const [label, body, expect] of [
    ['truncated', valid.slice(0, -3), http4xx],
    ['trailing comma', '{"query": "{ __typename }",}', http4xx],
    ['single quotes', "{'query': '{ __typename }'}", http4xx],
    ['unquoted key', '{query: "{ __typename }"}', http4xx],
    ['a BOM first', `\ufeff${valid}`, either],
    ['NUL bytes', `{"query":"{ __typename }"}\u0000\u0000`, http4xx],
    ['empty', '', http4xx],
    ['whitespace', '   \n ', http4xx],
    ['null', 'null', http4xx],
    ['a string', '"{ __typename }"', http4xx],
    ['a number', '12', http4xx],
    ['true', 'true', http4xx],
    ['an empty object', '{}', http4xx],
    ['an empty array (batch)', '[]', http4xx],
    ['a batch of two', `[${valid},${valid}]`, http4xx],
    ['query is a number', '{"query": 12}', http4xx],
    ['query is null', '{"query": null}', http4xx],
    ['query is an empty string', '{"query": ""}', http4xx],
    ['query is a list', '{"query": ["{ __typename }"]}', http4xx],
    ['variables is a string', '{"query": "{ __typename }", "variables": "{}"}', http4xx],
    ['variables is a list', '{"query": "{ __typename }", "variables": []}', http4xx],
    ['operationName is a number', '{"query": "{ __typename }", "operationName": 5}', http4xx],
    ['extensions is a string', '{"query": "{ __typename }", "extensions": "x"}', http4xx],
    ['__proto__ key', '{"query": "{ __typename }", "__proto__": {"polluted": true}}', either],
    [
      'constructor.prototype key',
      '{"query": "{ __typename }", "constructor": {"prototype": {"polluted": true}}}',
      either,
    ],
    [
      'duplicate query keys',
      '{"query": "mutation { deleteItems(ids: [\\"x\\"]) }", "query": "{ __typename }"}',
      data(equals('__typename', 'Query')),
    ],
    [
      '100,000 nested arrays in variables',
      `{"query": "{ __typename }", "variables": {"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}}}`,
      either,
    ],
    [
      'persisted query, unknown hash',
      '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0000000000000000000000000000000000000000000000000000000000000000"}}}',
      error('PERSISTED_QUERY_NOT_FOUND'),
    ],
    [
      'persisted query, wrong hash',
      '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}',
      http4xx,
    ],
    [
      'persisted query, bad version',
      '{"query": "{ __typename }", "extensions": {"persistedQuery": {"version": 99, "sha256Hash": "abc"}}}',
      http4xx,
    ],
  ] as const) {
    add(raw(`JSON body: ${label}`, 'malformed-json', body, JSON_HEADERS, expect));
  }

  // Content types.
  for (const [label, contentType, body] of [
    ['text/plain', 'text/plain', valid],
    ['form-urlencoded', 'application/x-www-form-urlencoded', 'query=%7B__typename%7D'],
    [
      'multipart',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ __typename }\r\n--x--\r\n',
    ],
    ['application/graphql', 'application/graphql', '{ __typename }'],
    ['application/xml', 'application/xml', '<query>{ __typename }</query>'],
    ['text/html', 'text/html', valid],
    ['application/jsonx', 'application/jsonx', valid],
    ['an empty content type', '', valid],
    ['a malformed content type', ';;;', valid],
    ['application/octet-stream', 'application/octet-stream', valid],
  ] as const) {
    add(
      raw(`content-type: ${label}`, 'content-type', body, { 'content-type': contentType }, http4xx),
    );
  }
  add(
    raw('no content-type', 'content-type', valid, {}, http4xx),
    raw(
      'text/plain with a preflight header',
      'content-type',
      valid,
      { 'content-type': 'text/plain', 'apollo-require-preflight': 'true' },
      http4xx,
    ),
    raw(
      'application/json; charset=utf-8',
      'content-type',
      valid,
      { 'content-type': 'application/json; charset=utf-8' },
      data(equals('__typename', 'Query')),
    ),
    raw('APPLICATION/JSON', 'content-type', valid, { 'content-type': 'APPLICATION/JSON' }, either),
    raw(
      'application/json; charset=utf-16',
      'content-type',
      valid,
      { 'content-type': 'application/json; charset=utf-16' },
      either,
    ),
    raw(
      'application/json with a mutation as text/plain',
      'content-type',
      JSON.stringify({ query: DELETE_MUTATION, variables: { ids: [id] } }),
      { 'content-type': 'text/plain' },
      http4xx,
    ),
  );
  corpus.at(-1)!.mutation = true;

  // Body size (limit 8 MiB).
  const padded = (bytes: number) =>
    JSON.stringify({ query: '{ __typename }', variables: { pad: 'p'.repeat(bytes) } });
  add(
    raw('9 MiB JSON body', 'body-size', padded(9 * MiB), JSON_HEADERS, http4xx),
    raw(
      '8 MiB + 1 byte',
      'body-size',
      padded(ctx.bodyLimit + 1 - padded(0).length),
      JSON_HEADERS,
      http4xx,
    ),
    raw(
      '9 MiB text/plain body',
      'body-size',
      'x'.repeat(9 * MiB),
      { 'content-type': 'text/plain' },
      http4xx,
    ),
    {
      ...raw('9 MiB chunked body', 'body-size', padded(9 * MiB), JSON_HEADERS, http4xx),
      chunked: true,
    },
    raw(
      '9 MiB mutation',
      'body-size',
      JSON.stringify({
        query: DELETE_MUTATION,
        variables: { ids: [id], pad: 'p'.repeat(9 * MiB) },
      }),
      JSON_HEADERS,
      http4xx,
    ),
    raw(
      '7.5 MiB body (accepted)',
      'body-size',
      padded(7.5 * MiB),
      JSON_HEADERS,
      data(equals('__typename', 'Query')),
    ),
  );
  corpus.at(-2)!.mutation = true;

  // GET: CSRF prevention, mutations refused.
  const preflight = { 'apollo-require-preflight': 'true' };
  const mutationText = `mutation { deleteItems(ids: ["${id}"]) }`;
  add(
    get(
      'GET query with a preflight header',
      'get',
      { query: '{ __typename }' },
      preflight,
      data(equals('__typename', 'Query')),
    ),
    get('GET query without preflight (CSRF)', 'get', { query: '{ __typename }' }, {}, http4xx),
    get('GET mutation', 'get', { query: mutationText }, preflight, http4xx, true),
    get('GET mutation without preflight', 'get', { query: mutationText }, {}, http4xx, true),
    get(
      'GET mutation chosen by operationName',
      'get',
      {
        query: `query Q { __typename } ${mutationText.replace('mutation', 'mutation M')}`,
        operationName: 'M',
      },
      preflight,
      http4xx,
      true,
    ),
    get(
      'GET ingest mutation',
      'get',
      { query: INGEST_MUTATION, variables: JSON.stringify({ items: [stored()] }) },
      preflight,
      http4xx,
      true,
    ),
    get(
      'GET trainModel',
      'get',
      { query: 'mutation { trainModel(modality: IMAGE) { version } }' },
      preflight,
      http4xx,
      true,
    ),
    get(
      'GET with broken variables JSON',
      'get',
      { query: '{ __typename }', variables: '{bad' },
      preflight,
      http4xx,
    ),
    get('GET without a query', 'get', {}, preflight, http4xx),
    get(
      'GET with a 20 KB URL',
      'get',
      { query: `{ __typename } # ${'x'.repeat(20_000)}` },
      preflight,
      http4xx,
    ),
    get(
      'GET similar with a query-syntax filter',
      'get',
      { query: SIMILAR_QUERY, variables: JSON.stringify({ id, textFilter: 'title:* AND _id:*' }) },
      preflight,
      data(hitsOf('similar', { excludeId: id })),
    ),
  );

  // Enums.
  add(
    op('modality AUDIO', 'enum', '{ lshModels(modality: AUDIO) { version } }', undefined, invalid),
    op(
      'modality as a string literal',
      'enum',
      '{ lshModels(modality: "IMAGE") { version } }',
      undefined,
      invalid,
    ),
    op(
      'modality lower case',
      'enum',
      '{ lshModels(modality: image) { version } }',
      undefined,
      invalid,
    ),
    op(
      'modality variable lower case',
      'enum',
      'query($m: Modality) { lshModels(modality: $m) { version } }',
      { m: 'image' },
      badInput,
    ),
    op(
      'modality variable 0',
      'enum',
      'query($m: Modality) { lshModels(modality: $m) { version } }',
      { m: 0 },
      badInput,
    ),
    op(
      'modality variable "__proto__"',
      'enum',
      'query($m: Modality) { lshModels(modality: $m) { version } }',
      { m: '__proto__' },
      badInput,
    ),
    op(
      'modalities [AUDIO]',
      'enum',
      `{ similar(id: "${id}", modalities: [AUDIO]) { hits { score } } }`,
      undefined,
      invalid,
    ),
    op(
      'modalities with null',
      'enum',
      'query($m: [Modality!]) { similar(id: "x", modalities: $m) { hits { score } } }',
      { m: ['IMAGE', null] },
      badInput,
    ),
    op(
      'modalities empty (all of them)',
      'enum',
      `{ similar(id: "${id}", modalities: []) { hits { score } } }`,
      undefined,
      data(hitsOf('similar')),
    ),
    op(
      'modalities repeated',
      'enum',
      `{ similar(id: "${id}", modalities: [IMAGE, IMAGE, TEXT, IMAGE]) { hits { score } } }`,
      undefined,
      data(hitsOf('similar')),
    ),
    op(
      'similarToVector modality AUDIO',
      'enum',
      `{ similarToVector(modality: AUDIO, vector: [1]) { hits { score } } }`,
      undefined,
      invalid,
    ),
  );

  // Unknown fields.
  add(
    op('unknown root field', 'unknown-field', '{ nope }', undefined, invalid),
    op(
      'unknown item field',
      'unknown-field',
      `{ item(id: "${id}") { vectors } }`,
      undefined,
      invalid,
    ),
    op(
      'misspelled field',
      'unknown-field',
      `{ similar(id: "${id}") { hitz { score } } }`,
      undefined,
      invalid,
    ),
    op(
      'unknown argument',
      'unknown-field',
      `{ similar(id: "${id}", frist: 3) { hits { score } } }`,
      undefined,
      invalid,
    ),
    op('unknown mutation', 'unknown-field', 'mutation { dropIndex }', undefined, invalid),
    op(
      'selection on a scalar',
      'unknown-field',
      `{ item(id: "${id}") { id { x } } }`,
      undefined,
      invalid,
    ),
    op(
      'object without a selection',
      'unknown-field',
      `{ similar(id: "${id}") }`,
      undefined,
      invalid,
    ),
    op('unknown type in a fragment', 'unknown-field', '{ ...on Nope { x } }', undefined, invalid),
    op('__schema internals', 'unknown-field', '{ __schema { nope } }', undefined, invalid),
  );

  // Variables.
  add(
    op(
      'ID variable declared Int',
      'variables',
      'query($id: Int!) { item(id: $id) { id } }',
      { id: 1 },
      invalid,
    ),
    op('undeclared variable', 'variables', '{ item(id: $id) { id } }', { id }, invalid),
    op('missing required variable', 'variables', itemQuery, {}, badInput),
    op(
      'variable of an unknown type',
      'variables',
      'query($x: Nope) { __typename }',
      { x: 1 },
      invalid,
    ),
    op(
      'variable of an output type',
      'variables',
      'query($x: Item) { __typename }',
      { x: {} },
      invalid,
    ),
    op(
      'variable declared twice',
      'variables',
      'query($x: Int, $x: Int) { __typename }',
      { x: 1 },
      invalid,
    ),
    op('Int variable with 2^53', 'variables', SIMILAR_QUERY, { id, first: 2 ** 53 }, badInput),
    op(
      'String variable with an object',
      'variables',
      SIMILAR_QUERY,
      { id, textFilter: { $ne: null } },
      badInput,
    ),
    op(
      'String variable with a list',
      'variables',
      SIMILAR_QUERY,
      { id, textFilter: ['a', 'b'] },
      badInput,
    ),
    op(
      'String variable with a number',
      'variables',
      SIMILAR_QUERY,
      { id, textFilter: 5 },
      badInput,
    ),
    op(
      'Float list variable with an object',
      'variables',
      BY_VECTOR_QUERY,
      { modality: 'IMAGE', vector: { length: imageDim } },
      badInput,
    ),
    op(
      'input object variable with an extra field',
      'variables',
      'query($w: ModalityWeights) { similar(id: "x", weights: $w) { hits { score } } }',
      { w: { image: 1, sound: 2 } },
      badInput,
    ),
    op(
      'variable default of the wrong type',
      'variables',
      'query($f: Int = "ten") { similar(id: "x", first: $f) { hits { score } } }',
      undefined,
      invalid,
    ),
  );

  // Missing required arguments.
  add(
    op('item without id', 'missing-argument', '{ item { id } }', undefined, invalid),
    op('items without ids', 'missing-argument', '{ items { id } }', undefined, invalid),
    op(
      'similar without id',
      'missing-argument',
      '{ similar { hits { score } } }',
      undefined,
      invalid,
    ),
    op(
      'similarToVector without modality',
      'missing-argument',
      '{ similarToVector(vector: [1]) { hits { score } } }',
      undefined,
      invalid,
    ),
    op(
      'similarToVector without vector',
      'missing-argument',
      '{ similarToVector(modality: IMAGE) { hits { score } } }',
      undefined,
      invalid,
    ),
    op('id: null literal', 'missing-argument', '{ item(id: null) { id } }', undefined, invalid),
    op(
      'ingestItems without items',
      'missing-argument',
      'mutation { ingestItems { indexed } }',
      undefined,
      invalid,
    ),
    op(
      'trainModel without modality',
      'missing-argument',
      'mutation { trainModel { version } }',
      undefined,
      invalid,
    ),
    op(
      'deleteItems without ids',
      'missing-argument',
      'mutation { deleteItems }',
      undefined,
      invalid,
    ),
  );

  // Operations: names, types, syntax.
  add(
    op(
      'two operations, no operationName',
      'operation',
      'query A { __typename } query B { __typename }',
      undefined,
      error('OPERATION_RESOLUTION_FAILURE'),
    ),
    post(
      'unknown operationName',
      'operation',
      { query: 'query A { __typename }', operationName: 'B' },
      error('OPERATION_RESOLUTION_FAILURE'),
    ),
    post(
      'query and mutation, the query chosen',
      'operation',
      {
        query: `query A { __typename } mutation M { deleteItems(ids: ["${id}"]) }`,
        operationName: 'A',
      },
      data(equals('__typename', 'Query')),
    ),
    op(
      'subscription',
      'operation',
      'subscription { similar(id: "x") { hits { score } } }',
      undefined,
      invalid,
    ),
    op(
      'anonymous and named operations',
      'operation',
      '{ __typename } query A { __typename }',
      undefined,
      invalid,
    ),
    op('syntax error', 'operation', '{ ', undefined, error('GRAPHQL_PARSE_FAILED')),
    op(
      'unterminated string',
      'operation',
      '{ item(id: "x) { id } }',
      undefined,
      error('GRAPHQL_PARSE_FAILED'),
    ),
    op('only a comment', 'operation', '# nothing', undefined, error('GRAPHQL_PARSE_FAILED')),
    op('a type definition', 'operation', 'type Evil { x: Int }', undefined, invalid),
    op('schema extension', 'operation', 'extend type Query { evil: Int }', undefined, invalid),
    op(
      'invalid characters',
      'operation',
      '{ __typename } \u0000\u0007',
      undefined,
      error('GRAPHQL_PARSE_FAILED'),
    ),
    // Input coercion turns 5 into ["5"]: a no-op delete of an id no item has.
    op(
      'deleteItems(ids: 5) (no-op)',
      'operation',
      'mutation { deleteItems(ids: 5) }',
      undefined,
      data(equals('deleteItems', 0)),
    ),
  );

  // Federation's _entities: `_Any` accepts any JSON.
  const entities = (representations: string) =>
    `{ _entities(representations: ${representations}) { ... on Item { id } } }`;
  add(
    op(
      '_entities, a stored item',
      'federation',
      entities(`[{ __typename: "Item", id: "${id}" }]`),
      undefined,
      data(equals('_entities', [{ id }])),
    ),
    op(
      '_entities, unknown id',
      'federation',
      entities('[{ __typename: "Item", id: "no-such-item" }]'),
      undefined,
      data(equals('_entities', [null])),
    ),
    op(
      '_entities, numeric id',
      'federation',
      entities('[{ __typename: "Item", id: 5 }]'),
      undefined,
      data(equals('_entities', [null])),
    ),
    op(
      '_entities, unknown type',
      'federation',
      entities('[{ __typename: "Nope", id: "x" }]'),
      undefined,
      badInput,
    ),
    op('_entities, no __typename', 'federation', entities('[{ id: "x" }]'), undefined, badInput),
    op(
      '_entities, __typename "__proto__"',
      'federation',
      entities('[{ __typename: "__proto__", id: "x" }]'),
      undefined,
      badInput,
    ),
    op(
      '_entities, __typename "constructor"',
      'federation',
      entities('[{ __typename: "constructor", id: "x" }]'),
      undefined,
      badInput,
    ),
    op('_entities, no id', 'federation', entities('[{ __typename: "Item" }]'), undefined, badInput),
    op(
      '_entities, empty id',
      'federation',
      entities('[{ __typename: "Item", id: "" }]'),
      undefined,
      badInput,
    ),
    op(
      '_entities, object id',
      'federation',
      entities('[{ __typename: "Item", id: { match_all: {} } }]'),
      undefined,
      badInput,
    ),
    op(
      '_entities, list id',
      'federation',
      entities('[{ __typename: "Item", id: ["a", "b"] }]'),
      undefined,
      badInput,
    ),
    op(
      '_entities, a string representation',
      'federation',
      entities('["Item"]'),
      undefined,
      badInput,
    ),
    op(
      '_entities, 3,000-deep object',
      'federation',
      entities(`[${'{ a: '.repeat(3000)}1${' }'.repeat(3000)}]`),
      undefined,
      error('BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED'),
    ),
    op(
      '_entities, 1,001 representations',
      'federation',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { id } } }',
      { r: manyIds(1001).map((i) => ({ __typename: 'Item', id: i })) },
      either,
    ),
    op('_service sdl', 'federation', '{ _service { sdl } }', undefined, data()),
  );

  // HTTP methods and paths.
  add(
    {
      name: 'PUT /graphql',
      category: 'http',
      method: 'PUT',
      path: '/graphql',
      headers: JSON_HEADERS,
      body: valid,
      expect: http4xx,
    },
    {
      name: 'DELETE /graphql',
      category: 'http',
      method: 'DELETE',
      path: '/graphql',
      headers: JSON_HEADERS,
      expect: http4xx,
    },
    {
      name: 'PATCH /graphql',
      category: 'http',
      method: 'PATCH',
      path: '/graphql',
      headers: JSON_HEADERS,
      body: valid,
      expect: http4xx,
    },
    // The router resolves the dot segments: the same endpoint, answered as such.
    {
      name: 'POST /graphql/../graphql',
      category: 'http',
      method: 'POST',
      path: '/graphql/%2e%2e/graphql',
      headers: JSON_HEADERS,
      body: valid,
      expect: either,
    },
    {
      name: 'POST /graphql/../healthz',
      category: 'http',
      method: 'POST',
      path: '/graphql/%2e%2e/healthz',
      headers: JSON_HEADERS,
      body: valid,
      expect: http4xx,
    },
    {
      name: 'POST /graphql with a 20 KB header',
      category: 'http',
      method: 'POST',
      path: '/graphql',
      headers: { ...JSON_HEADERS, 'x-padding': 'p'.repeat(20_000) },
      body: valid,
      expect: http4xx,
    },
    {
      name: 'POST with a garbage Authorization header',
      category: 'http',
      method: 'POST',
      path: '/graphql',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${'\u00ff'.repeat(10)}` },
      body: valid,
      expect: data(equals('__typename', 'Query')),
    },
  );

  return corpus;
}

/** The problems with one answer; empty when it is acceptable. */
export function judgeAnswer(request: HostileRequest, answer: Answer): string[] {
  const problems: string[] = [];
  const say = (problem: string) => problems.push(`${request.name}: ${problem}`);
  if (answer.status >= 500) say(`HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);

  let body: unknown;
  if (answer.contentType.includes('json')) {
    try {
      body = JSON.parse(answer.text);
    } catch {
      say(`invalid JSON in the answer: ${answer.text.slice(0, 200)}`);
    }
  }
  const errors = field(body, 'errors');
  const errorList = Array.isArray(errors) ? (errors as unknown[]) : [];
  const messages: string[] = [];
  const codes: string[] = [];
  for (const e of errorList) {
    const message = field(e, 'message');
    messages.push(typeof message === 'string' ? message : '');
    const extensions = field(e, 'extensions');
    const code = field(extensions, 'code');
    if (typeof code !== 'string') say(`an error without extensions.code: ${JSON.stringify(e)}`);
    else {
      codes.push(code);
      if (!ALLOWED_CODES.has(code)) say(`code ${code} is not allowed: ${String(message)}`);
    }
    for (const key of ['stacktrace', 'exception']) {
      if (field(extensions, key) !== undefined) say(`extensions.${key} present`);
    }
  }
  // Fastify's own error answers ({statusCode, code, error, message}).
  const fastifyMessage = field(body, 'message');
  if (typeof fastifyMessage === 'string') messages.push(fastifyMessage);
  if (!answer.contentType.includes('json')) messages.push(answer.text);
  for (const message of messages) {
    const leak = FORBIDDEN_IN_MESSAGES.find((pattern) => pattern.test(message));
    if (leak) say(`message matches ${leak}: ${message.slice(0, 300)}`);
  }

  const payload = field(body, 'data');
  const expect = request.expect;
  switch (expect.kind) {
    case 'data': {
      if (answer.status !== 200) say(`HTTP ${answer.status}, expected 200`);
      if (errorList.length) say(`errors ${codes.join(', ')}: ${messages[0]?.slice(0, 200)}`);
      if (typeof payload !== 'object' || payload === null) say('no data');
      else if (expect.check) {
        const problem = expect.check(payload as Json);
        if (problem) say(problem);
      }
      break;
    }
    case 'error': {
      if (answer.status >= 500) break;
      if (errorList.length === 0)
        say(`no errors, expected ${expect.codes.join('/')}: ${answer.text.slice(0, 200)}`);
      const unexpected = codes.filter((c) => !expect.codes.includes(c));
      if (unexpected.length)
        say(
          `codes ${unexpected.join(', ')}, expected ${expect.codes.join('/')}: ${messages[0]?.slice(0, 200)}`,
        );
      break;
    }
    case 'http-4xx': {
      if (answer.status < 400 || answer.status >= 500)
        say(`HTTP ${answer.status}, expected 4xx: ${answer.text.slice(0, 200)}`);
      break;
    }
    case 'either':
      // The rules for every answer, checked above, are the whole contract here.
      if (answer.status >= 300 && answer.status < 400) say(`HTTP ${answer.status}`);
      break;
  }
  return problems;
}

/** The codes an answer carries (for the summary). */
export function answerCodes(answer: Answer): string[] {
  try {
    const errors = field(JSON.parse(answer.text), 'errors');
    if (!Array.isArray(errors)) return [];
    return errors.map((e) => String(field(field(e, 'extensions'), 'code') ?? 'none'));
  } catch {
    return [];
  }
}
