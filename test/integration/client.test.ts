import { ClientError, GraphQLClient } from 'graphql-request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';
import { startGateway, type BackendKind, type Gateway } from '../support/gateway-harness.js';

// The README's / GraphiQL's example operations, sent as a browser front end would send them.
const SIMILAR = /* GraphQL */ `
  query Similar($id: ID!, $textFilter: String, $first: Int) {
    similar(id: $id, textFilter: $textFilter, first: $first) {
      hits {
        score
        item {
          id
          title
          text
          tags
        }
      }
      modelVersions {
        modality
        version
      }
    }
  }
`;

const SIMILAR_TO_VECTOR = /* GraphQL */ `
  query SimilarToVector($vector: [Float!]!, $first: Int) {
    similarToVector(modality: IMAGE, vector: $vector, first: $first) {
      hits {
        score
        item {
          id
          title
        }
      }
    }
  }
`;

const INGEST = /* GraphQL */ `
  mutation Ingest($items: [ItemInput!]!) {
    ingestItems(items: $items) {
      indexed
      failed {
        id
        code
        message
      }
    }
  }
`;

const ITEM = /* GraphQL */ `
  query Item($id: ID!) {
    item(id: $id) {
      id
      title
      tags
      modalities
    }
  }
`;

interface Hit {
  score: number;
  item: { id: string; title: string | null; text?: string | null; tags?: string[] };
}
interface SimilarData {
  similar: { hits: Hit[]; modelVersions: { modality: string; version: number }[] };
}
interface SimilarToVectorData {
  similarToVector: { hits: Hit[] };
}
interface IngestData {
  ingestItems: { indexed: number; failed: { id: string; code: string; message: string }[] };
}
interface ItemData {
  item: { id: string; title: string | null; tags: string[]; modalities: string[] } | null;
}

/** The ClientError graphql-request throws for `run`, failing the test if it does not throw. */
async function clientError(run: () => Promise<unknown>): Promise<ClientError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ClientError) return error;
    throw error;
  }
  throw new Error('expected graphql-request to throw a ClientError');
}

const BACKENDS: BackendKind[] = ['embedded', 'elasticsearch'];

describe.each(BACKENDS)('a graphql-request front end over HTTP (%s backend)', (backend) => {
  let gateway: Gateway;
  let client: GraphQLClient;
  let items: SyntheticItem[];

  beforeAll(async () => {
    items = smallCollection().slice(0, 160);
    gateway = await startGateway({ backend });
    await loadCollection(gateway, items);
    client = new GraphQLClient(`${gateway.url}/graphql`);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('runs the similar example with variables (id, textFilter, first)', async () => {
    const query = items[0]!;
    const topicWord = query.title.split(' ')[0]!;
    const data = await client.request<SimilarData>(SIMILAR, {
      id: query.id,
      textFilter: topicWord,
      first: 5,
    });

    const hits = data.similar.hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(5);
    for (const hit of hits) {
      expect(hit.item.id).not.toBe(query.id);
      expect(`${hit.item.title} ${hit.item.text}`.toLowerCase()).toContain(topicWord.toLowerCase());
    }
    const scores = hits.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(data.similar.modelVersions.map((m) => m.modality).sort()).toEqual(['IMAGE', 'TEXT']);
  });

  it('runs the similarToVector example: an item’s own vector finds the item first', async () => {
    const target = items[3]!;
    const data = await client.request<SimilarToVectorData>(SIMILAR_TO_VECTOR, {
      vector: target.imageVector,
      first: 3,
    });
    const hits = data.similarToVector.hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.length).toBeLessThanOrEqual(3);
    expect(hits[0]!.item).toEqual({ id: target.id, title: target.title });
    expect(hits[0]!.score).toBeCloseTo(1, 5);
  });

  it('runs the ingestItems example: a bad item is reported per item, not thrown', async () => {
    const model = items[7]!;
    const good = {
      id: `client-good-${backend}`,
      title: 'A new item',
      text: 'Its description',
      tags: ['example'],
      imageVector: model.imageVector,
      textVector: model.textVector,
    };
    const bad = {
      id: `client-bad-${backend}`,
      title: 'A vector too short',
      imageVector: model.imageVector.slice(0, 5),
    };
    const data = await client.request<IngestData>(INGEST, { items: [good, bad] });

    expect(data.ingestItems.indexed).toBe(1);
    expect(data.ingestItems.failed).toEqual([
      { id: bad.id, code: 'DIMENSION_MISMATCH', message: expect.any(String) },
    ]);
    expect(data.ingestItems.failed[0]!.message).toMatch(/\d/);

    const stored = await client.request<ItemData>(ITEM, { id: good.id });
    expect(stored.item).toEqual({
      id: good.id,
      title: good.title,
      tags: good.tags,
      modalities: expect.arrayContaining(['IMAGE', 'TEXT']),
    });
    const missing = await client.request<ItemData>(ITEM, { id: bad.id });
    expect(missing.item).toBeNull();
  });

  it('surfaces extensions.code through ClientError (NOT_FOUND, BAD_USER_INPUT)', async () => {
    const notFound = await clientError(() =>
      client.request(SIMILAR, { id: 'no-such-item', first: 5 }),
    );
    expect(notFound.response.status).toBe(200);
    expect(notFound.response.errors).toHaveLength(1);
    const error = notFound.response.errors![0]!;
    expect(error.extensions?.code).toBe('NOT_FOUND');
    expect(error.message).toContain('no-such-item');
    expect(error.path).toEqual(['similar']);
    expect(error.extensions).not.toHaveProperty('stacktrace');

    const badFirst = await clientError(() =>
      client.request(SIMILAR, { id: items[0]!.id, first: 0 }),
    );
    expect(badFirst.response.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');

    const wrongLength = await clientError(() =>
      client.request(SIMILAR_TO_VECTOR, { vector: [0.1, 0.2, 0.3] }),
    );
    expect(wrongLength.response.errors![0]!.extensions?.code).toBe('DIMENSION_MISMATCH');

    // A variable of the wrong type is refused before any resolver runs, with Apollo's code.
    const badVariables = await clientError(() =>
      client.request(SIMILAR, { id: items[0]!.id, first: 'ten' }),
    );
    expect(badVariables.response.status).toBe(400);
    expect(badVariables.response.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps CSRF prevention on: simple requests are refused, graphql-request is not', async () => {
    const simpleGet = await fetch(
      `${gateway.url}/graphql?query=${encodeURIComponent('{__typename}')}`,
    );
    expect(simpleGet.status).toBe(400);
    expect(await simpleGet.text()).toMatch(/Cross-Site Request Forgery|CSRF/i);

    // A form-style POST (text/plain needs no preflight in a browser) is refused as well.
    const simplePost = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(simplePost.status).toBe(400);

    // The same GET with a header that forces a preflight goes through: it was CSRF, not GET.
    const preflighted = await fetch(
      `${gateway.url}/graphql?query=${encodeURIComponent('{__typename}')}`,
      { headers: { 'apollo-require-preflight': 'true' } },
    );
    expect(preflighted.status).toBe(200);
    expect(await preflighted.json()).toEqual({ data: { __typename: 'Query' } });

    // graphql-request POSTs application/json, which browsers always preflight.
    expect(await client.request<{ __typename: string }>('{ __typename }')).toEqual({
      __typename: 'Query',
    });
  });
});
