import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import { startGateway, type BackendKind, type Gateway } from '../support/gateway-harness.js';
import { loadCollection } from '../support/fixtures.js';
import { INGEST, SIMILAR, type IngestData, type SimilarData } from '../support/operations.js';

const base64 = (values: readonly number[]) =>
  Buffer.from(new Float32Array(values).buffer).toString('base64');

// Vectors sent as base64 little-endian float32 are the same vectors as float lists; bad ones fail
// alone, with BAD_USER_INPUT, and the rest of the batch lands.
describe.each<BackendKind>(['embedded', 'elasticsearch'])('base64 vectors (%s)', (kind) => {
  let gateway: Gateway;
  const items = generateSyntheticItems({ count: 300, imageDim: 16, textDim: 12, topics: 4 });

  beforeAll(async () => {
    gateway = await startGateway({ backend: kind });
    await loadCollection(gateway, items);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('stores base64 vectors like lists, and fails bad ones one by one', async () => {
    const twins = items.slice(0, 5).map((item) => ({
      id: `b64-${item.id}`,
      title: item.title,
      text: item.text,
      tags: item.tags,
      imageVectorBase64: base64(item.imageVector),
      textVectorBase64: base64(item.textVector),
    }));
    const lists = items.slice(0, 5).map((item) => ({
      ...toItemInput(item),
      id: `list-${item.id}`,
      imageVector: [...new Float32Array(item.imageVector)],
      textVector: [...new Float32Array(item.textVector)],
    }));
    const bad = [
      { id: 'bad-chars', imageVectorBase64: 'not base64!' },
      { id: 'bad-length', imageVectorBase64: Buffer.from([1, 2, 3, 4, 5]).toString('base64') },
      { id: 'bad-both', imageVector: items[0]!.imageVector, imageVectorBase64: base64([1]) },
      { id: 'bad-dim', imageVectorBase64: base64([1, 2, 3]) },
    ];
    const response = await gateway.gql<IngestData>(INGEST, { items: [...twins, ...bad, ...lists] });
    expect(response.errors).toBeUndefined();
    const result = response.data!.ingestItems;
    expect(result.indexed).toBe(10);
    expect(result.failed.map((f) => [f.id, f.code])).toEqual([
      ['bad-chars', 'BAD_USER_INPUT'],
      ['bad-length', 'BAD_USER_INPUT'],
      ['bad-both', 'BAD_USER_INPUT'],
      ['bad-dim', 'DIMENSION_MISMATCH'],
    ]);
    expect(result.failed[1]!.message).toMatch(/multiple of 4|4 bytes each/);

    const stored = await gateway.backend.getItems(
      [...twins.map((t) => t.id), ...lists.map((l) => l.id), 'bad-chars'],
      { withVectors: true },
    );
    expect(stored.at(-1)).toBeNull();
    for (let i = 0; i < 5; i++) {
      expect(stored[i]!.vectors).toEqual(stored[i + 5]!.vectors);
      expect(stored[i]!.modalities).toEqual(['IMAGE', 'TEXT']);
    }
    await gateway.backend.refresh();
    // A base64 item's nearest neighbours are its float-list twin and the original (cosine 1).
    const similar = await gateway.gql<SimilarData>(SIMILAR, { id: twins[0]!.id, first: 3 });
    expect(similar.errors).toBeUndefined();
    const top = similar.data!.similar.hits.slice(0, 2);
    expect(top.map((hit) => hit.item.id).sort()).toEqual([items[0]!.id, lists[0]!.id].sort());
    for (const hit of top) expect(hit.score).toBeCloseTo(1, 5);
  });
});
