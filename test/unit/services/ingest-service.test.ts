import { describe, expect, it } from 'vitest';
import { ErrorCode, LshqlError } from '../../../src/domain/errors.js';
import type { StoredItem } from '../../../src/domain/item.js';
import type { ItemInput } from '../../../src/ingest/item-input.js';
import {
  STALE_GENERATION,
  type ItemWriteResult,
  type SearchBackend,
} from '../../../src/search/backend.js';
import { IMAGE_DIM, collection, rejectsWith, stack, trainedStack } from './helpers.js';

const items = collection(60);

describe('IngestService', () => {
  it('reports each bad item alone and writes the others', async () => {
    const s = await stack();
    const good = items.slice(0, 5);
    const batch: ItemInput[] = [
      good[0]!,
      { id: 'short-image', imageVector: [1, 2, 3] },
      good[1]!,
      { id: 'nan-text', textVector: [1, Number.NaN, 0, 0, 0, 0] },
      good[2]!,
      { id: '', title: 'no id' },
      { ...good[3]!, title: 'again' }, // same id as good[3], later in the batch
      good[3]!,
      { id: 'bad-tag', tags: [''] },
      good[4]!,
    ];
    // good[3] appears first as the 'again' copy: that one is kept, the later one reported.
    const outcome = await s.ingest.ingest(batch);
    expect(outcome.indexed).toBe(5);
    expect(outcome.failed.map((f) => [f.id, f.code])).toEqual([
      ['short-image', ErrorCode.DIMENSION_MISMATCH],
      ['nan-text', ErrorCode.BAD_USER_INPUT],
      ['', ErrorCode.BAD_USER_INPUT],
      [good[3]!.id, ErrorCode.BAD_USER_INPUT],
      ['bad-tag', ErrorCode.BAD_USER_INPUT],
    ]);
    for (const failure of outcome.failed) expect(failure.message.length).toBeGreaterThan(10);
    const stored = await s.backend.getItems(
      [...good.map((g) => g.id), 'short-image', 'nan-text', 'bad-tag'],
      { withVectors: true },
    );
    expect(stored.slice(0, 5).map((item) => item?.id)).toEqual(good.map((g) => g.id));
    expect(stored[3]!.title).toBe('again');
    expect(stored.slice(5)).toEqual([null, null, null]);
    expect(stored[0]!.vectors.IMAGE).toEqual(good[0]!.imageVector);
  });

  it('takes the first vector of a batch as the dimension when none is known', async () => {
    const s = await stack();
    const outcome = await s.ingest.ingest([
      { id: 'a', imageVector: [1, 0, 0, 0] },
      { id: 'b', imageVector: [1, 0, 0, 0, 0] },
      { id: 'c', imageVector: [0, 1, 0, 0] },
    ]);
    expect(outcome.indexed).toBe(2);
    expect(outcome.failed.map((f) => [f.id, f.code])).toEqual([
      ['b', ErrorCode.DIMENSION_MISMATCH],
    ]);
    // Later batches keep to the stored length.
    const later = await s.ingest.ingest([{ id: 'd', imageVector: [1, 2, 3, 4, 5] }]);
    expect(later.failed.map((f) => f.code)).toEqual([ErrorCode.DIMENSION_MISMATCH]);
  });

  it('refuses an empty batch and one over the batch limit as a whole', async () => {
    const s = await stack({ maxBatchSize: 3 });
    await rejectsWith(s.ingest.ingest([]), ErrorCode.BAD_USER_INPUT);
    await rejectsWith(s.ingest.ingest(items.slice(0, 4)), ErrorCode.BAD_USER_INPUT);
    expect(await s.backend.countItems()).toBe(0);
    expect((await s.ingest.ingest(items.slice(0, 3))).indexed).toBe(3);
  });

  it('hashes with the active models once trained, and not before', async () => {
    const s = await stack();
    await s.ingest.ingest(items.slice(0, 40));
    const [before] = await s.backend.getItems([items[0]!.id]);
    expect(before!.tokens).toEqual({});
    expect(before!.modelVersions).toEqual({});
    await s.training.train({ modality: 'IMAGE' });
    await s.ingest.ingest(items.slice(40, 50));
    const [after] = await s.backend.getItems([items[45]!.id]);
    const image = await s.registry.requireActive('IMAGE');
    expect(after!.modelVersions).toEqual({ IMAGE: 1 });
    expect(after!.tokens.IMAGE).toEqual(image.hasher.hashOne(items[45]!.imageVector!));
    expect(after!.tokens.TEXT).toBeUndefined();
    // The model's dimension now rules, even for items sent later.
    const wrong = await s.ingest.ingest([{ id: 'x', imageVector: [1, 2] }]);
    expect(wrong.failed[0]?.code).toBe(ErrorCode.DIMENSION_MISMATCH);
    expect(wrong.failed[0]?.message).toContain(String(IMAGE_DIM));
  });

  it('hashes again and retries items written into a generation replaced meanwhile', async () => {
    const s = await trainedStack(items.slice(0, 40));
    const backend: SearchBackend = s.backend;
    const put = backend.putItems.bind(backend);
    const attempts: StoredItem[][] = [];
    let rounds = 0;
    backend.putItems = async (batch, generation) => {
      attempts.push(structuredClone([...batch]));
      rounds++;
      if (rounds === 1) {
        // A model was activated meanwhile: the second item's generation is gone (the others
        // are taken as written to the new one, to see the one stale item retried alone).
        expect(generation).toBeDefined();
        await s.training.train({ modality: 'TEXT', clusters: 5 });
        const results = await put(batch, (await backend.generation()).id);
        return results.map((r, i): ItemWriteResult =>
          i === 1 ? { id: r.id, error: { code: STALE_GENERATION, message: 'replaced' } } : r,
        );
      }
      return put(batch, generation);
    };
    const outcome = await s.ingest.ingest(items.slice(40, 43));
    expect(outcome).toEqual({ indexed: 3, failed: [] });
    expect(attempts.map((a) => a.map((i) => i.id))).toEqual([
      items.slice(40, 43).map((i) => i.id),
      [items[41]!.id],
    ]);
    // The retry carries the tokens of the newly active TEXT model.
    expect(attempts[0]![1]!.modelVersions.TEXT).toBe(1);
    expect(attempts[1]![0]!.modelVersions.TEXT).toBe(2);
    const text = await s.registry.load('TEXT', 2);
    expect(attempts[1]![0]!.tokens.TEXT).toEqual(text.hasher.hashOne(items[41]!.textVector!));
  });

  it('reports CONFLICT when the retry meets a replaced generation again', async () => {
    const s = await trainedStack(items.slice(0, 20));
    const backend: SearchBackend = s.backend;
    const put = backend.putItems.bind(backend);
    backend.putItems = async (batch, generation) =>
      (await put(batch, generation)).map((r) =>
        r.id === items[21]!.id ? { id: r.id, error: { code: STALE_GENERATION, message: 'x' } } : r,
      );
    const outcome = await s.ingest.ingest(items.slice(20, 23));
    expect(outcome.indexed).toBe(2);
    expect(outcome.failed.map((f) => [f.id, f.code])).toEqual([
      [items[21]!.id, ErrorCode.CONFLICT],
    ]);
  });

  it('reports every item failed when the backend is unavailable, and rethrows other errors', async () => {
    const s = await stack();
    s.backend.putItems = async () => {
      throw new LshqlError(ErrorCode.BACKEND_UNAVAILABLE, 'down');
    };
    const outcome = await s.ingest.ingest(items.slice(0, 3));
    expect(outcome.indexed).toBe(0);
    expect(outcome.failed.map((f) => f.code)).toEqual(Array(3).fill(ErrorCode.BACKEND_UNAVAILABLE));
    expect(outcome.failed[0]!.message).toMatch(/not confirmed/);
    s.backend.putItems = async () => {
      throw new Error('boom');
    };
    await expect(s.ingest.ingest(items.slice(0, 3))).rejects.toThrow('boom');
  });

  it('passes per-item write errors through and counts only what landed', async () => {
    const s = await stack();
    const backend: SearchBackend = s.backend;
    const put = backend.putItems.bind(backend);
    backend.putItems = async (batch, generation) =>
      (await put(batch, generation)).map((r, i) =>
        i === 0 ? { id: r.id, error: { code: ErrorCode.BAD_USER_INPUT, message: 'rejected' } } : r,
      );
    const outcome = await s.ingest.ingest(items.slice(0, 3));
    expect(outcome).toEqual({
      indexed: 2,
      failed: [{ id: items[0]!.id, code: ErrorCode.BAD_USER_INPUT, message: 'rejected' }],
    });
  });

  it('deletes distinct ids and refuses empty or oversized requests', async () => {
    const s = await stack({ maxBatchSize: 4 });
    await s.ingest.ingest(items.slice(0, 3).map((i) => ({ ...i, textVector: null })));
    expect(await s.ingest.delete([items[0]!.id, items[0]!.id, 'unknown'])).toBe(1);
    await rejectsWith(s.ingest.delete([]), ErrorCode.BAD_USER_INPUT);
    await rejectsWith(s.ingest.delete(['a', 'b', 'c', 'd', 'e']), ErrorCode.BAD_USER_INPUT);
    await rejectsWith(s.ingest.delete([items[1]!.id, '']), ErrorCode.BAD_USER_INPUT);
    expect(await s.backend.countItems()).toBe(2);
  });
});
