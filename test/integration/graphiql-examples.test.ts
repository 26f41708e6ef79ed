import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, type OperationDefinitionNode } from 'graphql';
import { loadDemoData } from '../../src/demo/demo-data.js';
import { buildGraphiqlTabs } from '../../src/server/graphiql-examples.js';
import type { GraphiqlTab } from '../../src/server/graphiql-route.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

const rootField = (query: string): string => {
  const operation = parse(query).definitions[0] as OperationDefinitionNode;
  const field = operation.selectionSet.selections[0]!;
  return field.kind === 'Field' ? field.name.value : '';
};

// Every preloaded GraphiQL example runs on the demo collection, as `npm start` serves it.
describe('GraphiQL examples on the demo data', () => {
  let gateway: Gateway;
  let tabs: GraphiqlTab[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      backend: 'embedded',
      graphiqlTabs: async (services, backend) => {
        await loadDemoData(services);
        tabs = await buildGraphiqlTabs(backend);
        return tabs;
      },
    });
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
  });

  it('has an example of each similarity query and addition, similar first', () => {
    expect(rootField(tabs[0]!.query)).toBe('similar');
    expect(tabs.map((tab) => rootField(tab.query))).toEqual(
      expect.arrayContaining(['similarToVector', 'similarToItems', 'similarToVectors']),
    );
    const text = tabs.map((tab) => tab.query).join('\n');
    for (const word of ['filter:', 'after:', 'nextCursor', 'minScore:', 'explanation']) {
      expect(text).toContain(word);
    }
  });

  it('runs every query example with its variables and gets hits', async () => {
    const queries = tabs.filter((tab) => rootField(tab.query).startsWith('similar'));
    expect(queries.length).toBeGreaterThanOrEqual(8);
    for (const tab of queries) {
      const field = rootField(tab.query);
      const response = await gateway.gql<Record<string, { hits: unknown[] }>>(
        tab.query,
        JSON.parse(tab.variables ?? '{}') as Record<string, unknown>,
      );
      expect(response.errors, tab.name).toBeUndefined();
      expect(response.data![field]!.hits.length, tab.name).toBeGreaterThan(0);
    }
  });
});
