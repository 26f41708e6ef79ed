import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { Kind, parse, print, type FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTypeDefs } from '../../src/graphql/schema.js';
import type { SyntheticItem } from '../../src/demo/synthetic-items.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

/**
 * A second subgraph, written here: a product catalogue whose products point at lshql items by id.
 * It contributes `Item.products` too, so a query can cross from lshql back into the catalogue.
 */
const CATALOGUE_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    products: [Product!]!
  }

  type Product @key(fields: "upc") {
    upc: ID!
    name: String!
    "The lshql item this product sells; its other fields come from lshql."
    item: Item
  }

  type Item @key(fields: "id") {
    id: ID!
    "Catalogue products that sell this item."
    products: [Product!]!
  }
`;

interface Product {
  upc: string;
  name: string;
  itemId: string | null;
}

interface CatalogueSubgraph {
  url: string;
  /** Operations the catalogue received, by root field ('products', '_entities', ...). */
  requests: string[];
  stop(): Promise<void>;
}

const quietLogger = {
  debug: () => {},
  info: () => {},
  warn: (message: unknown) => console.warn(message),
  error: (message: unknown) => console.error(message),
};

async function startCatalogue(products: readonly Product[]): Promise<CatalogueSubgraph> {
  const requests: string[] = [];
  const schema = buildSubgraphSchema({
    typeDefs: parse(CATALOGUE_SDL),
    resolvers: {
      Query: { products: () => products },
      Product: {
        __resolveReference: (ref: { upc: string }) => products.find((p) => p.upc === ref.upc),
        item: (product: Product) => (product.itemId ? { id: product.itemId } : null),
      },
      Item: {
        __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
        products: (item: { id: string }) => products.filter((p) => p.itemId === item.id),
      },
    },
  });
  const server = new ApolloServer({
    schema,
    logger: quietLogger,
    plugins: [
      {
        async requestDidStart() {
          return {
            async didResolveOperation({ operation }) {
              for (const selection of operation?.selectionSet.selections ?? []) {
                if (selection.kind === 'Field') requests.push(selection.name.value);
              }
            },
          };
        },
      },
    ],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, requests, stop: () => server.stop() };
}

async function execute<T>(
  server: ApolloServer,
  query: string,
  variables?: Record<string, unknown>,
): Promise<FormattedExecutionResult<T>> {
  const response = await server.executeOperation({ query, ...(variables ? { variables } : {}) });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult as FormattedExecutionResult<T>;
}

describe('lshql as an Apollo Federation 2 subgraph, composed with a catalogue subgraph', () => {
  let lshql: Gateway;
  let catalogue: CatalogueSubgraph;
  let router: ApolloServer;
  let supergraphSdl: string;
  let items: SyntheticItem[];
  let products: Product[];

  beforeAll(async () => {
    items = smallCollection();
    lshql = await startGateway({ backend: 'elasticsearch' });
    await loadCollection(lshql, items);

    // 12 products over 11 distinct items of one sub-topic (so `similar` finds some of them), two
    // products selling the same item, plus a gift card with no item that lshql never hears of.
    const first = items[0]!;
    const group = items.filter((i) => i.topic === first.topic && i.subtopic === first.subtopic);
    expect(group.length).toBeGreaterThanOrEqual(11);
    products = group.slice(0, 11).map((item, n) => ({
      upc: `upc-${String(n).padStart(3, '0')}`,
      name: `Product ${n}`,
      itemId: item.id,
    }));
    products.push({ upc: 'upc-011', name: 'Product 11 (same item as 0)', itemId: first.id });
    products.push({ upc: 'upc-gift', name: 'Gift card', itemId: null });
    catalogue = await startCatalogue(products);

    const result = composeServices([
      { name: 'lshql', typeDefs: parse(loadTypeDefs()), url: `${lshql.url}/graphql` },
      { name: 'catalogue', typeDefs: parse(CATALOGUE_SDL), url: catalogue.url },
    ]);
    expect(result.errors ?? []).toEqual([]);
    supergraphSdl = result.supergraphSdl!;

    router = new ApolloServer({
      gateway: new ApolloGateway({ supergraphSdl, logger: quietLogger }),
    });
    await router.start();
  });

  afterAll(async () => {
    await router?.stop();
    await catalogue?.stop();
    await lshql?.close();
  });

  it('publishes its Item entity with @key(fields: "id") in _service.sdl', async () => {
    const response = await lshql.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    expect(response.errors).toBeUndefined();
    const sdl = response.data!._service.sdl;
    const item = parse(sdl).definitions.find(
      (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Item',
    );
    expect(item?.kind === Kind.OBJECT_TYPE_DEFINITION && item.directives?.map(print)).toEqual([
      '@key(fields: "id")',
    ]);
    expect(sdl).toContain('https://specs.apollo.dev/federation/v2');

    // What a schema registry would fetch composes as well as the SDL in schema/.
    const fromService = composeServices([
      { name: 'lshql', typeDefs: parse(sdl), url: `${lshql.url}/graphql` },
      { name: 'catalogue', typeDefs: parse(CATALOGUE_SDL), url: catalogue.url },
    ]);
    expect(fromService.errors ?? []).toEqual([]);
  });

  it('composes a supergraph in which Item joins both subgraphs', () => {
    expect(supergraphSdl).toMatch(/join__graph\(name: "lshql"/);
    expect(supergraphSdl).toMatch(/join__graph\(name: "catalogue"/);
    expect(supergraphSdl).toMatch(/type Item\s[^{]*@join__type\(graph: LSHQL, key: "id"\)/);
    expect(supergraphSdl).toMatch(/type Item\s[^{]*@join__type\(graph: CATALOGUE, key: "id"\)/);
  });

  it('resolves catalogue products with lshql items, one mget for the whole list', async () => {
    lshql.calls.length = 0;
    catalogue.requests.length = 0;
    const result = await execute<{
      products: {
        upc: string;
        name: string;
        item: { id: string; title: string | null; tags: string[] } | null;
      }[];
    }>(router, '{ products { upc name item { id title tags } } }');

    expect(result.errors).toBeUndefined();
    const got = result.data!.products;
    expect(got).toHaveLength(products.length);
    expect(got.length).toBeGreaterThanOrEqual(10);
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const [n, product] of got.entries()) {
      const expected = products[n]!;
      expect(product.upc).toBe(expected.upc);
      expect(product.name).toBe(expected.name);
      if (expected.itemId === null) {
        expect(product.item).toBeNull();
        continue;
      }
      const item = byId.get(expected.itemId)!;
      // Titles and tags live only in lshql: the gateway fetched them through _entities.
      expect(product.item).toEqual({ id: item.id, title: item.title, tags: item.tags });
    }
    // One _entities fetch for the list → one batch in lshql's DataLoader → one Elasticsearch mget.
    expect(lshql.calls).toEqual(['mget']);
    expect(catalogue.requests).toEqual(['products']);
  });

  it('crosses the other way: similar hits from lshql carry catalogue products', async () => {
    const query = items[0]!;
    catalogue.requests.length = 0;
    const result = await execute<{
      similar: {
        hits: { item: { id: string; title: string | null; products: { upc: string }[] } }[];
      };
    }>(
      router,
      `query Similar($id: ID!) {
        similar(id: $id, first: 20) { hits { item { id title products { upc name } } } }
      }`,
      { id: query.id },
    );

    expect(result.errors).toBeUndefined();
    const hits = result.data!.similar.hits;
    expect(hits.length).toBeGreaterThan(0);
    const byId = new Map(items.map((item) => [item.id, item]));
    for (const { item } of hits) {
      expect(item.id).not.toBe(query.id);
      expect(item.title).toBe(byId.get(item.id)!.title);
      const sold = products.filter((p) => p.itemId === item.id).map((p) => p.upc);
      expect(item.products.map((p) => p.upc)).toEqual(sold);
    }
    // The query item's sub-topic neighbours are on sale: some hits must carry products.
    expect(hits.filter(({ item }) => item.products.length > 0).length).toBeGreaterThan(0);
    // Every hit's products came from one _entities request to the catalogue.
    expect(catalogue.requests).toEqual(['_entities']);
  });
});
