import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { toItemInput } from '../../src/demo/synthetic-items.js';
import type { SearchBackend } from '../../src/search/backend.js';
import { createBackend } from '../../src/search/create-backend.js';
import { createApp } from '../../src/server/app.js';
import { GatewayMetrics } from '../../src/server/metrics.js';
import { InlineCompute } from '../../src/compute/compute.js';
import { createServices } from '../../src/services.js';
import { smallCollection } from '../support/fixtures.js';
import {
  errorCode,
  startGateway,
  type Gateway,
  type GraphqlResponse,
} from '../support/gateway-harness.js';
import { FORBIDDEN_IN_MESSAGES } from '../support/hostile-corpus.js';
import {
  DELETE,
  INGEST,
  MODELS,
  SIMILAR,
  TRAIN,
  type IngestData,
  type SimilarData,
} from '../support/operations.js';
import { sendRaw } from '../support/raw-http.js';

const items = smallCollection().slice(0, 60).map(toItemInput);

// The key check runs in the resolvers before any service or backend call, so one backend (the
// embedded one) covers it; "nothing stored" is read back from that backend.
describe('with LSHQL_API_KEY set', () => {
  let gateway: Gateway;
  const batch = items.slice(0, 20);

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'embedded', env: { LSHQL_API_KEY: 'k' } });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const storedCount = () => gateway.backend.countItems();

  it.each<[string, Record<string, string>]>([
    ['no key', {}],
    ['a wrong Bearer key', { authorization: 'Bearer wrong' }],
    ['a wrong x-api-key', { 'x-api-key': 'wrong' }],
    ['the key with a suffix', { authorization: 'Bearer kk' }],
    ['an empty Bearer key', { authorization: 'Bearer ' }],
    ['the key as Basic credentials', { authorization: 'Basic k' }],
    ['the key without the Bearer scheme', { authorization: 'k' }],
    ['the key in another header', { 'x-api-token': 'k' }],
    [
      'a wrong Bearer key beside a right x-api-key',
      { authorization: 'Bearer no', 'x-api-key': 'k' },
    ],
  ])('refuses mutations with %s, and stores nothing', async (_label, headers) => {
    const ingest = await gateway.gql<IngestData>(INGEST, { items: batch }, headers);
    expect(errorCode(ingest)).toBe('UNAUTHENTICATED');
    expect(ingest.data ?? null).toBeNull();
    expect(ingest.errors?.[0]?.message).toMatch(/Authorization: Bearer|x-api-key/);
    expect(errorCode(await gateway.gql(TRAIN, { modality: 'IMAGE' }, headers))).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorCode(await gateway.gql(DELETE, { ids: [batch[0]!.id] }, headers))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await storedCount()).toBe(0);
    expect((await gateway.gql<{ lshModels: unknown[] }>(MODELS, {})).data?.lshModels).toEqual([]);
  });

  it('refuses a mutation with several fields, storing nothing', async () => {
    // Mutation fields run one after another; the first refusal ends the operation.
    const response = await gateway.gql(
      `mutation($items: [ItemInput!]!) {
        a: ingestItems(items: $items) { indexed }
        b: deleteItems(ids: ["x"])
      }`,
      { items: batch },
    );
    expect(response.data ?? null).toBeNull();
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(response.errors?.every((e) => e.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
    expect(await storedCount()).toBe(0);
  });

  it('accepts mutations with "Authorization: Bearer k"', async () => {
    const response = await gateway.gql<IngestData>(
      INGEST,
      { items: batch.slice(0, 10) },
      { authorization: 'Bearer k' },
    );
    expect(response.data?.ingestItems).toEqual({ indexed: 10, failed: [] });
    expect(await storedCount()).toBe(10);
  });

  it('accepts mutations with "x-api-key: k"', async () => {
    const response = await gateway.gql<IngestData>(
      INGEST,
      { items: batch.slice(10) },
      { 'x-api-key': 'k' },
    );
    expect(response.data?.ingestItems).toEqual({ indexed: 10, failed: [] });
    const trained = await gateway.gql(
      TRAIN,
      { modality: 'IMAGE', subspaces: 4, clusters: 4 },
      { 'x-api-key': 'k' },
    );
    expect(trained.errors).toBeUndefined();
    const deleted = await gateway.gql<{ deleteItems: number }>(
      DELETE,
      { ids: [batch[19]!.id] },
      { authorization: 'Bearer k' },
    );
    expect(deleted.data?.deleteItems).toBe(1);
    expect(await storedCount()).toBe(19);
  });

  it('answers queries without a key', async () => {
    const item = await gateway.gql<{ item: { id: string } }>(
      'query($id: ID!) { item(id: $id) { id } }',
      {
        id: batch[0]!.id,
      },
    );
    expect(item.data?.item).toEqual({ id: batch[0]!.id });
    const similar = await gateway.gql<SimilarData>(SIMILAR, {
      id: batch[0]!.id,
      modalities: ['IMAGE'],
    });
    expect(similar.errors).toBeUndefined();
    expect(similar.data?.similar.hits.length).toBeGreaterThan(0);
    const models = await gateway.gql<{ lshModels: { version: number }[] }>(MODELS, {});
    expect(models.data?.lshModels.map((m) => m.version)).toEqual([1]);
  });
});

/**
 * A test double of the backend: the real embedded backend, except that `executeSimilar` and
 * `getItems` for one id fail the way a broken client library might, with an error whose message
 * and stack carry Elasticsearch internals and file paths. This test is about what the error
 * formatter lets through in production, not about Elasticsearch's behaviour.
 */
function failingBackend(real: SearchBackend, failingId: string): SearchBackend {
  const leak = () => {
    const error = new Error(
      'ResponseError: search_phase_execution_exception: [illegal_argument_exception] Reason: ' +
        'failed to create query at /work/main/src/search/elasticsearch/elasticsearch-backend.ts:321:7',
    );
    error.name = 'ResponseError';
    return error;
  };
  return new Proxy(real, {
    get(target, property) {
      if (property === 'executeSimilar') {
        return async () => {
          throw leak();
        };
      }
      if (property === 'getItems') {
        return async (ids: readonly string[], options?: { withVectors?: boolean }) => {
          if (ids.includes(failingId)) throw leak();
          return target.getItems(ids, options);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

describe('with NODE_ENV=production', () => {
  let app: FastifyInstance;
  let url: string;
  let backend: SearchBackend;

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      LSHQL_DEMO_DATA: 'false',
    });
    backend = createBackend(config);
    await backend.init();
    const services = createServices(
      config,
      failingBackend(backend, 'explodes'),
      new InlineCompute(),
    );
    const ingested = await services.ingest.ingest(items.slice(0, 40));
    expect(ingested.failed).toEqual([]);
    await services.training.train({ modality: 'IMAGE', subspaces: 4, clusters: 4 });
    app = await createApp({
      services,
      metrics: new GatewayMetrics(),
      graphiqlTabs: [],
      logger: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await app?.close();
    await backend?.close();
  });

  async function gql(query: string, variables?: Record<string, unknown>) {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<
      GraphqlResponse<Record<string, unknown>>,
      'status'
    >;
    return { status: response.status, ...body };
  }

  it.each([
    ['__schema', '{ __schema { types { name } } }'],
    ['__type', '{ __type(name: "Item") { fields { name } } }'],
    [
      '__schema inside a fragment',
      'query { ...F } fragment F on Query { __schema { queryType { name } } }',
    ],
  ])('refuses introspection (%s)', async (_label, query) => {
    const response = await gql(query);
    expect(response.status).toBe(400);
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.data).toBeUndefined();
    expect(JSON.stringify(response)).not.toMatch(/"SimilarResult"|"ItemInput"/);
  });

  it.each([
    [
      'a misspelled field',
      '{ similar(id: "x") { hitz { score } } }',
      undefined,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    ['a misspelled root field', '{ lshModel { version } }', undefined, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a misspelled argument',
      '{ similar(id: "x", frist: 2) { hits { score } } }',
      undefined,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a misspelled enum value',
      '{ lshModels(modality: IMAGEE) { version } }',
      undefined,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a misspelled type',
      'query($m: Modalty) { lshModels(modality: $m) { version } }',
      undefined,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a misspelled input field',
      '{ similar(id: "x", weights: { imag: 1 }) { hits { score } } }',
      undefined,
      'GRAPHQL_VALIDATION_FAILED',
    ],
    [
      'a misspelled enum in variables',
      'query($m: Modality) { lshModels(modality: $m) { version } }',
      { m: 'IMAGEE' },
      'BAD_USER_INPUT',
    ],
    [
      'a misspelled input field in variables',
      'query($w: ModalityWeights) { similar(id: "x", weights: $w) { hits { score } } }',
      { w: { imag: 1 } },
      'BAD_USER_INPUT',
    ],
  ] as const)('suggests no names for %s', async (_label, query, variables, code) => {
    const response = await gql(query, variables);
    expect(errorCode(response)).toBe(code);
    const messages = response.errors!.map((e) => e.message).join('\n');
    expect(messages).not.toMatch(/did you mean|suggestion/i);
    expect(messages).not.toMatch(/"(hits|lshModels|first|IMAGE|Modality|image)"\?/);
  });

  it.each([
    [
      'similar (the search fails)',
      `{ similar(id: "${items[0]!.id}", modalities: [IMAGE]) { hits { score } } }`,
      ['similar'],
    ],
    ['item (the look-up fails)', '{ item(id: "explodes") { id } }', ['item']],
  ])('shows no internals when %s throws unexpectedly', async (_label, query, path) => {
    const response = await gql(query);
    expect(response.status).toBe(200);
    expect(response.errors).toHaveLength(1);
    const [error] = response.errors!;
    expect(error).toEqual({
      message: 'Internal server error; the gateway logged the details.',
      path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const text = JSON.stringify(response);
    for (const pattern of FORBIDDEN_IN_MESSAGES) expect(text).not.toMatch(pattern);
    expect(text).not.toMatch(/stacktrace|search_phase|ResponseError|illegal_argument/);
  });

  it('still answers the other fields of a request when one fails', async () => {
    const response = await gql(
      '{ models: lshModels { version } bad: item(id: "explodes") { id } }',
    );
    expect(response.data).toEqual({ models: [{ version: 1 }], bad: null });
    expect(errorCode(response)).toBe('INTERNAL_SERVER_ERROR');
  });

  it('refuses a simple GET without preflight headers (CSRF prevention)', async () => {
    const path = `/graphql?query=${encodeURIComponent('{ __typename }')}`;
    const simple = await sendRaw(url, { method: 'GET', path, headers: {} });
    expect(simple.status).toBe(400);
    expect(simple.text).toMatch(/Cross-Site Request Forgery/);
    expect(JSON.parse(simple.text).errors[0].extensions.code).toBe('BAD_REQUEST');

    const textPlain = await sendRaw(url, {
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(textPlain.status).toBe(400);
    expect(textPlain.text).toMatch(/Cross-Site Request Forgery/);

    const preflightHeaders: Record<string, string>[] = [
      { 'apollo-require-preflight': 'true' },
      { 'x-apollo-operation-name': 'Q' },
      { 'content-type': 'application/json' },
    ];
    for (const headers of preflightHeaders) {
      const preflighted = await sendRaw(url, { method: 'GET', path, headers });
      expect(preflighted.status).toBe(200);
      expect(JSON.parse(preflighted.text)).toEqual({ data: { __typename: 'Query' } });
    }
  });

  it('still refuses mutations over GET, preflight or not', async () => {
    const path = `/graphql?query=${encodeURIComponent('mutation { deleteItems(ids: ["x"]) }')}`;
    const answer = await sendRaw(url, {
      method: 'GET',
      path,
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(answer.status).toBe(405);
    expect(await backend.countItems()).toBe(40);
  });
});
