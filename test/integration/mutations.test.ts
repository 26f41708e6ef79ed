import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItemInput } from '../../src/demo/synthetic-items.js';
import {
  errorCode,
  startGateway,
  type BackendKind,
  type Gateway,
} from '../support/gateway-harness.js';
import { smallCollection } from '../support/fixtures.js';
import {
  DELETE,
  INGEST,
  SIMILAR,
  TRAIN,
  type IngestData,
  type TrainData,
} from '../support/operations.js';

describe.each<BackendKind>(['elasticsearch', 'embedded'])('mutations on the %s backend', (kind) => {
  let gateway: Gateway;
  const items = smallCollection().slice(0, 120).map(toItemInput);

  beforeAll(async () => {
    gateway = await startGateway({ backend: kind });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  const ingest = (batch: unknown[]) => gateway.gql<IngestData>(INGEST, { items: batch });

  it('stores items before any model exists and hashes them when a model is activated', async () => {
    const response = await ingest(items.slice(0, 100));
    expect(response.data?.ingestItems).toEqual({ indexed: 100, failed: [] });
    expect(errorCode(await gateway.gql(SIMILAR, { id: items[0]!.id }))).toBe('MODEL_NOT_TRAINED');

    const trained = await gateway.gql<TrainData>(TRAIN, {
      modality: 'IMAGE',
      subspaces: 8,
      clusters: 10,
    });
    expect(trained.data?.trainModel).toMatchObject({
      version: 1,
      dim: 32,
      active: true,
      trainedOn: 100,
    });
    const stored = await gateway.backend.getItems(items.slice(0, 100).map((i) => i.id));
    expect(stored.every((s) => s?.tokens.IMAGE?.length === 8 && s.modelVersions.IMAGE === 1)).toBe(
      true,
    );
    // TEXT has no model yet: those tokens stay absent.
    expect(stored[0]?.tokens.TEXT).toBeUndefined();
  });

  it('hashes at once what is ingested after activation', async () => {
    const response = await ingest(items.slice(100, 110));
    expect(response.data?.ingestItems.indexed).toBe(10);
    const [stored] = await gateway.backend.getItems([items[100]!.id]);
    expect(stored?.modelVersions.IMAGE).toBe(1);
    const similar = await gateway.gql(SIMILAR, { id: items[100]!.id, modalities: ['IMAGE'] });
    expect(similar.errors).toBeUndefined();
  });

  it('reports bad items one by one while the good ones land', async () => {
    const good = items[110]!;
    const response = await ingest([
      good,
      { ...items[111]!, imageVector: [1, 2, 3] },
      { ...items[112]!, id: '' },
      { ...items[113]!, id: good.id },
      { ...items[114]!, tags: ['x'.repeat(300)] },
    ]);
    const result = response.data!.ingestItems;
    expect(result.indexed).toBe(1);
    expect(result.failed.map((f) => [f.id, f.code])).toEqual([
      [items[111]!.id, 'DIMENSION_MISMATCH'],
      ['', 'BAD_USER_INPUT'],
      [good.id, 'BAD_USER_INPUT'],
      [items[114]!.id, 'BAD_USER_INPUT'],
    ]);
    expect(result.failed[0]!.message).toMatch(/3 values but IMAGE vectors here have 32/);
    const stored = await gateway.backend.getItems([good.id, items[111]!.id, items[114]!.id]);
    expect(stored.map((s) => s?.id ?? null)).toEqual([good.id, null, null]);
  });

  it('is idempotent by id: ingesting again replaces, never duplicates', async () => {
    const before = await gateway.backend.countItems();
    const changed = { ...items[0]!, title: 'a replaced title' };
    expect((await ingest([changed])).data?.ingestItems.indexed).toBe(1);
    await gateway.backend.refresh();
    expect(await gateway.backend.countItems()).toBe(before);
    const [stored] = await gateway.backend.getItems([changed.id]);
    expect(stored?.title).toBe('a replaced title');
  });

  it('rejects an empty or oversized batch as a whole', async () => {
    expect(errorCode(await ingest([]))).toBe('BAD_USER_INPUT');
    const tooMany = Array.from({ length: gateway.config.LSHQL_MAX_BATCH + 1 }, (_, i) => ({
      id: `x${i}`,
    }));
    const response = await ingest(tooMany);
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/at most 1000/);
  });

  it('deletes by id and counts only items that existed', async () => {
    const response = await gateway.gql<{ deleteItems: number }>(DELETE, {
      ids: [items[0]!.id, items[1]!.id, 'never-stored'],
    });
    expect(response.data?.deleteItems).toBe(2);
    const stored = await gateway.backend.getItems([items[0]!.id, items[2]!.id]);
    expect(stored.map((s) => s?.id ?? null)).toEqual([null, items[2]!.id]);
    expect(errorCode(await gateway.gql(SIMILAR, { id: items[0]!.id }))).toBe('NOT_FOUND');
  });

  it('refuses training parameters that cannot work, with the reason', async () => {
    const response = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 64 });
    expect(errorCode(response)).toBe('BAD_USER_INPUT');
    expect(response.errors?.[0]?.message).toMatch(/cannot exceed the vector length \(32\)/);
    expect(errorCode(await gateway.gql(TRAIN, { modality: 'IMAGE', clusters: 5000 }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
