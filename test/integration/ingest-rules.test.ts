import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItemInput } from '../../src/demo/synthetic-items.js';
import {
  errorCode,
  startGateway,
  type BackendKind,
  type Gateway,
} from '../support/gateway-harness.js';
import { loadCollection, smallCollection } from '../support/fixtures.js';
import {
  INGEST,
  SIMILAR_TO_VECTOR,
  type IngestData,
  type SimilarData,
} from '../support/operations.js';

const ITEM = `query Item($id: ID!) { item(id: $id) { id title } }`;

describe.each<BackendKind>(['elasticsearch', 'embedded'])(
  'ingest rules on the %s backend: zero vectors, duplicate ids',
  (kind) => {
    let gateway: Gateway;
    const collection = smallCollection();
    const template = toItemInput(collection[0]!);
    const imageDim = collection[0]!.imageVector.length;
    const textDim = collection[0]!.textVector.length;

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind });
      await loadCollection(gateway, collection.slice(0, 120));
    });
    afterAll(async () => {
      await gateway?.close();
    });

    const ingest = (items: unknown[]) => gateway.gql<IngestData>(INGEST, { items });

    it('rejects an all-zero vector per item, naming the modality; the other items land', async () => {
      const response = await ingest([
        { id: 'zero-image', title: 'zero', imageVector: new Array<number>(imageDim).fill(0) },
        { id: 'zero-text', title: 'zero', textVector: new Array<number>(textDim).fill(-0) },
        { ...template, id: 'fine-item' },
      ]);
      expect(response.errors).toBeUndefined();
      const outcome = response.data!.ingestItems;
      expect(outcome.indexed).toBe(1);
      expect(outcome.failed.map((f) => [f.id, f.code])).toEqual([
        ['zero-image', 'BAD_USER_INPUT'],
        ['zero-text', 'BAD_USER_INPUT'],
      ]);
      expect(outcome.failed[0]!.message).toMatch(/IMAGE vector is all zeros/);
      expect(outcome.failed[1]!.message).toMatch(/TEXT vector is all zeros/);
      expect((await gateway.gql(ITEM, { id: 'zero-image' })).data).toEqual({ item: null });
    });

    it('refuses an all-zero query vector in similarToVector with BAD_USER_INPUT', async () => {
      const response = await gateway.gql<SimilarData>(SIMILAR_TO_VECTOR, {
        modality: 'IMAGE',
        vector: new Array<number>(imageDim).fill(0),
      });
      expect(response.data).toBeNull();
      expect(errorCode(response)).toBe('BAD_USER_INPUT');
      expect(response.errors?.[0]?.message).toMatch(/IMAGE vector is all zeros/);
    });

    it('keeps the first of two items with the same id in one call and reports the later one', async () => {
      const response = await ingest([
        { ...template, id: 'dup-1', title: 'first occurrence' },
        { ...template, id: 'other-1', title: 'other' },
        { ...template, id: 'dup-1', title: 'second occurrence' },
      ]);
      expect(response.data?.ingestItems).toEqual({
        indexed: 2,
        failed: [
          {
            id: 'dup-1',
            code: 'BAD_USER_INPUT',
            message:
              'The id appears more than once in this batch; only its first occurrence was kept.',
          },
        ],
      });
      const stored = await gateway.gql<{ item: { title: string } | null }>(ITEM, { id: 'dup-1' });
      expect(stored.data?.item?.title).toBe('first occurrence');
    });
  },
);
