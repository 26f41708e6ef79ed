import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItemInput } from '../../src/demo/synthetic-items.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';
import { smallCollection } from '../support/fixtures.js';
import { INGEST } from '../support/operations.js';

describe('item look-ups through the DataLoader (Elasticsearch)', () => {
  let gateway: Gateway;
  const items = smallCollection().slice(0, 30).map(toItemInput);

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    await gateway.gql(INGEST, { items });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('turns N item look-ups of one operation into one mget', async () => {
    const ids = items.slice(0, 12).map((i) => i.id);
    const aliases = ids.slice(0, 6).map((id, n) => `a${n}: item(id: "${id}") { id title }`);
    const query = `{ ${aliases.join(' ')} many: items(ids: ${JSON.stringify(ids)}) { id tags } }`;
    gateway.calls.length = 0;
    const response = await gateway.gql<Record<string, unknown>>(query);
    expect(response.errors).toBeUndefined();
    expect((response.data!.many as unknown[]).length).toBe(12);
    expect(response.data!.a5).toEqual({ id: ids[5], title: items[5]!.title });
    expect(gateway.calls).toEqual(['mget']);
  });

  it('returns null for unknown ids, in the order asked', async () => {
    const response = await gateway.gql<{ items: ({ id: string } | null)[] }>(
      `query($ids: [ID!]!) { items(ids: $ids) { id } }`,
      { ids: [items[1]!.id, 'missing', items[0]!.id] },
    );
    expect(response.data!.items).toEqual([{ id: items[1]!.id }, null, { id: items[0]!.id }]);
  });
});
