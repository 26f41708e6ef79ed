import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toItemInput } from '../../src/demo/synthetic-items.js';
import { freshPrefix, startGateway, type Gateway } from '../support/gateway-harness.js';
import { smallCollection } from '../support/fixtures.js';
import { INGEST, MODELS, TRAIN, type IngestData, type TrainData } from '../support/operations.js';

// Two gateway instances on one Elasticsearch share the model registry.
describe('model registry shared by two gateway instances', () => {
  const prefix = freshPrefix();
  let first: Gateway;
  let second: Gateway;
  const items = smallCollection();

  beforeAll(async () => {
    first = await startGateway({ backend: 'elasticsearch', prefix, cleanup: false });
    second = await startGateway({ backend: 'elasticsearch', prefix, cleanup: true });
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
  });

  it('hashes on the second instance with the model the first trained', async () => {
    // The second instance looks before any model exists, so its cache holds "none".
    expect(await second.services.registry.active('IMAGE')).toBeNull();

    const load = await first.gql<IngestData>(INGEST, {
      items: items.slice(0, 200).map(toItemInput),
    });
    expect(load.data?.ingestItems.indexed).toBe(200);
    const trained = await first.gql<TrainData>(TRAIN, {
      modality: 'IMAGE',
      subspaces: 8,
      clusters: 16,
    });
    expect(trained.errors).toBeUndefined();
    const version = trained.data!.trainModel.version;

    const ingested = await second.gql<IngestData>(INGEST, {
      items: items.slice(200, 210).map(toItemInput),
    });
    expect(ingested.data?.ingestItems.indexed).toBe(10);
    const [stored] = await second.backend.getItems([items[200]!.id]);
    expect(stored?.modelVersions.IMAGE).toBe(version);
    // The tokens are exactly those the first instance's model gives.
    const firstModel = await first.services.registry.requireActive('IMAGE');
    expect(stored?.tokens.IMAGE).toEqual(firstModel.hasher.hashOne(items[200]!.imageVector));

    const models = await second.gql<{ lshModels: { version: number; active: boolean }[] }>(MODELS, {
      modality: 'IMAGE',
    });
    expect(models.data?.lshModels).toEqual([expect.objectContaining({ version, active: true })]);
  });

  it('stores the next version when retrained, keeping one active per modality', async () => {
    const again = await second.gql<TrainData>(TRAIN, {
      modality: 'IMAGE',
      subspaces: 4,
      clusters: 8,
    });
    expect(again.errors).toBeUndefined();
    expect(again.data!.trainModel.version).toBe(2);
    const models = await first.gql<{
      lshModels: { version: number; active: boolean; subspaces: number }[];
    }>(MODELS, { modality: 'IMAGE' });
    expect(models.data?.lshModels.map((m) => [m.version, m.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    // Every stored item was re-hashed with version 2 before trainModel returned.
    const stored = await first.backend.getItems(items.slice(0, 210).map((i) => i.id));
    expect(stored.every((s) => s?.modelVersions.IMAGE === 2 && s.tokens.IMAGE?.length === 4)).toBe(
      true,
    );
  });
});
