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
  SIMILAR,
  SIMILAR_TO_VECTOR,
  type IngestData,
  type SimilarData,
} from '../support/operations.js';

const ITEM = `query Item($id: ID!) { item(id: $id) { id title } }`;

describe.each<BackendKind>(['elasticsearch', 'embedded'])(
  'ingest and scoring rules on the %s backend: zero vectors, duplicate ids, missing modalities',
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

    it('scores an item lacking a queried modality with a cosine of 0 for it (half, here)', async () => {
      const source = collection[200]!;
      const vectors = { imageVector: source.imageVector, textVector: source.textVector };
      const response = await ingest([
        { id: 'query-both', title: 'query', ...vectors },
        { id: 'twin-both', title: 'twin', ...vectors },
        { id: 'twin-image-only', title: 'image only', imageVector: source.imageVector },
      ]);
      expect(response.data?.ingestItems.failed).toEqual([]);
      const similar = await gateway.gql<SimilarData>(SIMILAR, {
        id: 'query-both',
        modalities: ['IMAGE', 'TEXT'],
        first: 50,
      });
      expect(similar.errors).toBeUndefined();
      const scores = new Map(similar.data!.similar.hits.map((h) => [h.item.id, h.score]));
      // The same image (cosine 1) and no text vector: (1 + 0) / 2.
      expect(scores.get('twin-both')).toBeCloseTo(1, 4);
      expect(scores.get('twin-image-only')).toBeCloseTo(0.5, 4);
      // By the image alone it is a perfect match.
      const byImage = await gateway.gql<SimilarData>(SIMILAR, {
        id: 'query-both',
        modalities: ['IMAGE'],
        first: 50,
      });
      const imageScores = new Map(byImage.data!.similar.hits.map((h) => [h.item.id, h.score]));
      expect(imageScores.get('twin-image-only')).toBeCloseTo(1, 4);
    });
  },
);
