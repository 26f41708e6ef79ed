import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItemInput, type SyntheticItem } from '../../src/demo/synthetic-items.js';
import { exactNeighbours, loadCollection, smallCollection } from '../support/fixtures.js';
import { errorCode, startGateway, type Gateway } from '../support/gateway-harness.js';
import { DELETE, INGEST, SIMILAR, type SimilarData } from '../support/operations.js';

// The query item of `similar` is kept between requests; the search checks, in its own round
// trip, that the item still has the revision it was read at. Against the real server.
describe('similar: the query item cache against Elasticsearch', () => {
  let gateway: Gateway;
  let items: SyntheticItem[];

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    items = smallCollection();
    await loadCollection(gateway, items);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const similarIds = async (id: string) => {
    const response = await gateway.gql<SimilarData>(SIMILAR, {
      id,
      modalities: ['IMAGE'],
      first: 10,
    });
    expect(response.errors).toBeUndefined();
    return response.data!.similar.hits.map((h) => h.item.id);
  };
  // The item and search requests made meanwhile (not the model registry's periodic look-ups).
  const callsDuring = async (run: () => Promise<unknown>) => {
    const before = gateway.calls.length;
    await run();
    return gateway.calls.slice(before).filter((c) => c === 'mget' || c === 'similar');
  };

  it('reads a repeated query item once and gives the same hits', async () => {
    const query = items[3]!;
    let first: string[] = [];
    let second: string[] = [];
    expect(await callsDuring(async () => (first = await similarIds(query.id)))).toContain('mget');
    const calls = await callsDuring(async () => (second = await similarIds(query.id)));
    expect(calls).not.toContain('mget');
    expect(calls).toEqual(['similar']);
    expect(second).toEqual(first);
  });

  it('notices a query item written since (by any writer) and reads it anew', async () => {
    const query = items[5]!;
    await similarIds(query.id);
    // The same id now holds the image vector of an item of another topic.
    const other = items.find((item) => item.topic !== query.topic)!;
    const moved = { ...query, imageVector: other.imageVector };
    const written = await gateway.gql(INGEST, { items: [toItemInput(moved)] });
    expect(written.errors).toBeUndefined();
    let hits: string[] = [];
    const calls = await callsDuring(async () => (hits = await similarIds(query.id)));
    expect(calls).toEqual(['similar', 'mget', 'similar']);
    const now = items.map((item) => (item.id === query.id ? moved : item));
    const truth = exactNeighbours(now, moved.imageVector!, (i) => i.imageVector!, 10, query.id);
    const overlap = hits.filter((id) => truth.includes(id)).length;
    expect(overlap).toBeGreaterThanOrEqual(8);
    expect(hits.every((id) => items.find((i) => i.id === id)!.topic === other.topic)).toBe(true);
  });

  it('answers NOT_FOUND for a cached query item deleted since', async () => {
    const query = items[7]!;
    await similarIds(query.id);
    const deleted = await gateway.gql(DELETE, { ids: [query.id] });
    expect(deleted.errors).toBeUndefined();
    const response = await gateway.gql<SimilarData>(SIMILAR, { id: query.id, first: 10 });
    expect(errorCode(response)).toBe('NOT_FOUND');
  });
});
