import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import { ErrorCode, LshqlError } from '../../src/domain/errors.js';
import { hashVectors } from '../../src/models/hash-vectors.js';
import type { HashBatch } from '../../src/models/ports.js';
import {
  ElasticsearchBackend,
  nextGenerationIndex,
} from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { ElasticsearchJobStore } from '../../src/search/elasticsearch/job-store.js';
import { ResilientTransport } from '../../src/search/elasticsearch/resilient-transport.js';
import {
  elasticsearchUrl,
  freshPrefix,
  startGateway,
  type BackendKind,
  type Gateway,
} from '../support/gateway-harness.js';
import { DELETE, INGEST, TRAIN, type IngestData } from '../support/operations.js';

// Writes and deletes that race the building of a generation: none is lost, none resurrected.
// The test acts from inside the activation's hashing step, so the points it hits are fixed:
// while the first copy pass runs (items already copied and not yet read), and in the pass that
// carries over what changed meanwhile (after the alias switch on Elasticsearch).
describe.each<BackendKind>(['embedded', 'elasticsearch'])(
  'deletes and overwrites during an activation (%s)',
  (kind) => {
    let gateway: Gateway;
    // More than one copy batch (500): some items are read before the changes, some after.
    const items = generateSyntheticItems({ count: 1200, imageDim: 12, textDim: 8, topics: 4 });
    const ids = items.map((item) => item.id).sort();

    beforeAll(async () => {
      gateway = await startGateway({
        backend: kind,
        env: { LSHQL_ES_TIMEOUT_MS: '20000', LSHQL_ES_MAX_RETRIES: '0' },
      });
      for (let i = 0; i < items.length; i += 300) {
        const response = await gateway.gql<IngestData>(INGEST, {
          items: items.slice(i, i + 300).map(toItemInput),
        });
        expect(response.data?.ingestItems.failed).toEqual([]);
      }
      const trained = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 4, clusters: 8 });
      expect(trained.errors).toBeUndefined();
    }, 180_000);
    afterAll(async () => {
      await gateway?.close();
    });

    const rename = async (which: string[], title: string) => {
      const byId = new Map(items.map((item) => [item.id, item]));
      const response = await gateway.gql<IngestData>(INGEST, {
        items: which.map((id) => ({ ...toItemInput(byId.get(id)!), title })),
      });
      expect(response.errors).toBeUndefined();
      expect(response.data!.ingestItems.failed).toEqual([]);
    };
    const remove = async (which: string[]) => {
      const response = await gateway.gql<{ deleteItems: number }>(DELETE, { ids: which });
      expect(response.errors).toBeUndefined();
      expect(response.data!.deleteItems).toBe(which.length);
    };

    it('keeps every change made while a generation is built', async () => {
      const deletedEarly = [...ids.slice(0, 10), ...ids.slice(1000, 1010)];
      const renamedEarly = [...ids.slice(20, 30), ...ids.slice(1020, 1030)];
      const deletedLate = ids.slice(40, 50);
      // Renamed during the first pass, then deleted in the carry-over pass.
      const renamedThenDeleted = ids.slice(60, 65);
      const renamedLate = ids.slice(70, 80);
      const fresh = generateSyntheticItems({ count: 5, seed: 5, imageDim: 12, textDim: 8 }).map(
        (item) => ({ ...toItemInput(item), id: `fresh-${item.id}` }),
      );

      const version = (await gateway.backend.generation()).versions.IMAGE!;
      const model = await gateway.services.registry.load('IMAGE', version);
      const before = (await gateway.backend.generation()).id;
      let calls = 0;
      let lateDone = false;
      const rehashed = await gateway.backend.activateModel('IMAGE', version, async (vectors) => {
        calls++;
        if (calls === 1) {
          await remove(deletedEarly);
          await rename([...renamedEarly, ...renamedThenDeleted], 'renamed early');
          const response = await gateway.gql<IngestData>(INGEST, { items: fresh });
          expect(response.data!.ingestItems.failed).toEqual([]);
        }
        // The pass that carries over what changed meanwhile: on Elasticsearch, after the alias
        // switch; embedded, after the first pass's 3 chunks of 500.
        const carryOver =
          kind === 'elasticsearch'
            ? (await gateway.backend.generation()).id !== before
            : calls === 4;
        if (carryOver && !lateDone) {
          lateDone = true;
          await remove([...deletedLate, ...renamedThenDeleted]);
          await rename(renamedLate, 'renamed late');
        }
        return hashVectors(gateway.services.compute, model, vectors);
      });
      expect(lateDone).toBe(true);
      expect(rehashed).toBeGreaterThan(0);
      await gateway.backend.refresh();

      const gone = [...deletedEarly, ...deletedLate, ...renamedThenDeleted];
      expect((await gateway.backend.getItems(gone)).filter((item) => item !== null)).toEqual([]);
      const early = await gateway.backend.getItems(renamedEarly);
      expect(early.map((item) => item?.title)).toEqual(renamedEarly.map(() => 'renamed early'));
      const late = await gateway.backend.getItems(renamedLate);
      expect(late.map((item) => item?.title)).toEqual(renamedLate.map(() => 'renamed late'));
      const added = await gateway.backend.getItems(fresh.map((item) => item.id));
      expect(added.every((item) => item !== null)).toBe(true);
      expect(await gateway.backend.countItems()).toBe(items.length - gone.length + fresh.length);
      // Every item is hashed for the generation it is in.
      const all = await gateway.backend.getItems([...ids, ...fresh.map((item) => item.id)]);
      for (const item of all) {
        if (item) expect(item.modelVersions.IMAGE).toBe(version);
      }

      // Elasticsearch: the replaced generation is deleted once no write can aim at it.
      if (gateway.backend instanceof ElasticsearchBackend) {
        const backend = gateway.backend;
        const current = (await backend.generation()).id;
        let indexes: string[] = [];
        do {
          await new Promise((resolve) => setTimeout(resolve, 200));
          indexes = Object.keys(
            await backend.client.indices.get({ index: `${backend.itemsAlias}-*` }),
          );
        } while (indexes.length > 1);
        expect(indexes).toEqual([current]);
      }
    });
  },
);

describe('replaced generations kept with LSHQL_KEEP_GENERATIONS', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({
      backend: 'elasticsearch',
      env: {
        LSHQL_KEEP_GENERATIONS: '1',
        LSHQL_ES_TIMEOUT_MS: '20000',
        LSHQL_ES_MAX_RETRIES: '0',
      },
    });
    const items = generateSyntheticItems({ count: 100, imageDim: 8, textDim: 6, topics: 3 });
    const response = await gateway.gql<IngestData>(INGEST, { items: items.map(toItemInput) });
    expect(response.data?.ingestItems.failed).toEqual([]);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('keeps the most recent replaced generation, write-blocked, and deletes older ones', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const generations = [(await backend.generation()).id];
    for (let i = 0; i < 3; i++) {
      const trained = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 2, clusters: 4 });
      expect(trained.errors).toBeUndefined();
      generations.push((await backend.generation()).id);
    }
    expect(new Set(generations).size).toBe(4);
    let indexes: string[] = [];
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      indexes = Object.keys(await backend.client.indices.get({ index: `${backend.itemsAlias}-*` }));
    } while (indexes.length > 2);
    expect(indexes.sort()).toEqual(generations.slice(2));
    const settings = await backend.client.indices.getSettings({ index: generations[2]! });
    expect(settings[generations[2]!]?.settings?.index?.blocks?.write).toBe('true');
  });

  it('retries the carry-over after the alias switch: a write made during the copy survives a failure there', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const { version } = await gateway.services.training.train({
      modality: 'IMAGE',
      subspaces: 2,
      clusters: 4,
    });
    const model = await gateway.services.registry.load('IMAGE', version);
    const before = (await backend.generation()).id;
    let calls = 0;
    let failures = 0;
    await backend.activateModel('IMAGE', version, async (vectors) => {
      calls++;
      if (calls === 1) {
        // Lands in the old generation after the copy read it: only the carry-over brings it.
        const renamed = await gateway.gql<IngestData>(INGEST, {
          items: [{ id: 'item-099', title: 'renamed while copying', imageVector: vectors[0] }],
        });
        expect(renamed.data?.ingestItems.failed).toEqual([]);
      }
      if ((await backend.generation()).id !== before && failures === 0) {
        failures++;
        throw new Error('hashing failed once during the carry-over');
      }
      return hashVectors(gateway.services.compute, model, vectors);
    });
    expect(failures).toBe(1);
    await backend.refresh();
    const [item] = await backend.getItems(['item-099']);
    expect(item?.title).toBe('renamed while copying');
    expect(item?.modelVersions.IMAGE).toBe(version);
  });

  it('activates two modalities trained at once one after the other, both in the live generation', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const before = (await backend.generation()).versions;
    // Without one activation at a time, both would build the same next generation (one fails)
    // or one would delete the generation the other still copies from.
    const [image, text] = await Promise.all([
      gateway.services.training.train({ modality: 'IMAGE', subspaces: 2, clusters: 4 }),
      gateway.services.training.train({ modality: 'TEXT', subspaces: 2, clusters: 4 }),
    ]);
    const after = await backend.generation();
    expect(after.versions).toEqual({ IMAGE: image.version, TEXT: text.version });
    expect(image.version).toBe((before.IMAGE ?? 0) + 1);
    expect(text.version).toBe((before.TEXT ?? 0) + 1);
    expect(await backend.countItems()).toBe(100);
    const items = await backend.getItems(['item-000', 'item-050']);
    for (const item of items) expect(item?.modelVersions).toEqual(after.versions);
  });

  it('writes each item once into a new generation: no deleted copies skew the token statistics', async () => {
    // All 100 items were written within the catch-up pass's look-back, so that pass reads them
    // all again; each must be skipped, not rewritten (Lucene counts deleted copies in df).
    const backend = gateway.backend as ElasticsearchBackend;
    const trained = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 2, clusters: 4 });
    expect(trained.errors).toBeUndefined();
    const current = (await backend.generation()).id;
    await backend.client.indices.refresh({ index: current });
    const stats = await backend.client.indices.stats({ index: current, metric: 'docs' });
    expect(stats.indices?.[current]?.primaries?.docs).toMatchObject({ count: 100, deleted: 0 });
  });
});

describe('activations on two gateway instances sharing the indexes', () => {
  const prefix = freshPrefix();
  const env = { LSHQL_ES_TIMEOUT_MS: '20000', LSHQL_ES_MAX_RETRIES: '0' };
  let first: Gateway;
  let second: Gateway;

  beforeAll(async () => {
    first = await startGateway({ backend: 'elasticsearch', prefix, cleanup: true, env });
    second = await startGateway({ backend: 'elasticsearch', prefix, cleanup: false, env });
    const items = generateSyntheticItems({ count: 100, imageDim: 8, textDim: 6, topics: 3 });
    const response = await first.gql<IngestData>(INGEST, { items: items.map(toItemInput) });
    expect(response.data?.ingestItems.failed).toEqual([]);
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('runs activations of two modalities on two instances one after the other: both versions live', async () => {
    // The first instance's activation holds at its first hashed batch (its next generation
    // exists by then) until the second instance's activation has begun, which waits for that
    // batch: without one activation lock per alias across instances, the second would build the
    // same next generation.
    let hashing = () => {};
    const firstHashing = new Promise<void>((resolve) => (hashing = resolve));
    let begun = () => {};
    // What the second instance's job reads while it waits for the first activation.
    const secondStates: (string | undefined)[] = [];
    const secondBegun = new Promise<void>((resolve) => (begun = resolve));
    const activateSecond = second.backend.activateModel.bind(second.backend);
    second.backend.activateModel = async (...args) => {
      begun();
      // Whichever training ends first, the second instance activates while the first does.
      await firstHashing;
      return activateSecond(...args);
    };
    const activateFirst = first.backend.activateModel.bind(first.backend);
    first.backend.activateModel = (modality, version, hash, options) =>
      activateFirst(
        modality,
        version,
        async (vectors) => {
          hashing();
          await secondBegun;
          const waiting = (await second.services.jobs.list()).find((j) => j.modality === 'TEXT');
          secondStates.push(waiting?.state);
          return hash(vectors);
        },
        options,
      );
    try {
      const [image, text] = await Promise.all([
        first.services.jobs.trainAndWait({ modality: 'IMAGE', subspaces: 2, clusters: 4 }),
        second.services.jobs.trainAndWait({ modality: 'TEXT', subspaces: 2, clusters: 4 }),
      ]);
      expect([image.version, text.version]).toEqual([1, 1]);
      expect(secondStates.length).toBeGreaterThan(0);
      expect(new Set(secondStates)).toEqual(new Set(['REHASHING']));
      const live = await first.backend.generation();
      expect(live.versions).toEqual({ IMAGE: 1, TEXT: 1 });
      expect(await second.backend.generation()).toEqual(live);
      expect(await first.backend.countItems()).toBe(100);
      const stored = await first.backend.getItems(['item-000', 'item-050', 'item-099']);
      for (const item of stored) expect(item?.modelVersions).toEqual({ IMAGE: 1, TEXT: 1 });
      const jobs = await first.services.jobs.list();
      expect(jobs.map((job) => job.state)).toEqual(['DONE', 'DONE']);
    } finally {
      first.backend.activateModel = activateFirst;
      second.backend.activateModel = activateSecond;
    }
  });
});

describe('a generation left half-built by an activation whose gateway stopped', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
    const items = generateSyntheticItems({ count: 50, imageDim: 8, textDim: 6, topics: 3 });
    const response = await gateway.gql<IngestData>(INGEST, { items: items.map(toItemInput) });
    expect(response.data?.ingestItems.failed).toEqual([]);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('is built again by the next activation', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const live = await backend.generation();
    const leftOver = nextGenerationIndex(backend.itemsAlias, live.id);
    await backend.client.indices.create({ index: leftOver });
    await backend.client.index({ index: leftOver, id: 'half', document: { id: 'half' } });
    const model = await gateway.services.jobs.trainAndWait({
      modality: 'IMAGE',
      subspaces: 2,
      clusters: 4,
    });
    expect(await backend.generation()).toEqual({
      id: leftOver,
      versions: { IMAGE: model.version },
    });
    await backend.refresh();
    expect(await backend.countItems()).toBe(50);
    expect(await backend.getItems(['half'])).toEqual([null]);
  });

  it('keeps the generation replaced a moment ago when the next activation starts: a late write to it fails', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const replaced = (await backend.generation()).id;
    const model = await gateway.services.jobs.trainAndWait({
      modality: 'IMAGE',
      subspaces: 2,
      clusters: 4,
    });
    const live = (await backend.generation()).id;
    expect(live).not.toBe(replaced);
    const registered = await gateway.services.registry.load('IMAGE', model.version);
    let checked = false;
    await backend.activateModel('IMAGE', model.version, async (vectors) => {
      if (!checked) {
        checked = true;
        // A write aimed at the generation replaced by the previous activation, still on its way:
        // refused by the write block (and sent again to the live one), not swallowed by an index
        // of that name auto-created after a delete.
        expect((await backend.client.indices.exists({ index: replaced })).valueOf()).toBe(true);
        await expect(
          backend.client.index({ index: replaced, id: 'late', document: { id: 'late' } }),
        ).rejects.toThrow(/block/);
      }
      return hashVectors(gateway.services.compute, registered, vectors);
    });
    expect(checked).toBe(true);
  });

  it('switches nothing when the check before the switch fails, and deletes no index the alias names', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const live = await backend.generation();
    const target = nextGenerationIndex(backend.itemsAlias, live.id);
    const registered = await gateway.services.registry.load('IMAGE', live.versions.IMAGE!);
    const hash: HashBatch = (vectors) => hashVectors(gateway.services.compute, registered, vectors);
    let checks = 0;
    // The version is no longer wanted by the time the copy is done: the new generation goes.
    await expect(
      backend.activateModel('IMAGE', live.versions.IMAGE!, hash, {
        beforeSwitch: async () => {
          checks++;
          if (checks === 2) throw new LshqlError(ErrorCode.CONFLICT, 'no longer wanted');
        },
      }),
    ).rejects.toThrow('no longer wanted');
    expect(checks).toBe(2);
    expect(await backend.generation()).toEqual(live);
    expect((await backend.client.indices.exists({ index: target })).valueOf()).toBe(false);

    // The alias names the new generation by the time the activation fails (as after a switch
    // whose answer was lost): it stays.
    await expect(
      backend.activateModel('IMAGE', live.versions.IMAGE!, hash, {
        beforeSwitch: async () => {
          if (!(await backend.client.indices.exists({ index: target })).valueOf()) return;
          await backend.client.indices.updateAliases({
            actions: [{ add: { index: target, alias: backend.itemsAlias } }],
          });
          throw new Error('failed after the alias named the new generation');
        },
      }),
    ).rejects.toThrow('failed after the alias named the new generation');
    expect((await backend.client.indices.exists({ index: target })).valueOf()).toBe(true);
    await backend.client.indices.updateAliases({
      actions: [{ remove: { index: target, alias: backend.itemsAlias } }],
    });
    await backend.client.indices.delete({ index: target });
  });
});

describe('a carry-over that fails every try', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({
      backend: 'elasticsearch',
      env: { LSHQL_ES_TIMEOUT_MS: '20000', LSHQL_ES_MAX_RETRIES: '0' },
    });
    const items = generateSyntheticItems({ count: 100, imageDim: 8, textDim: 6, topics: 3 });
    const response = await gateway.gql<IngestData>(INGEST, { items: items.map(toItemInput) });
    expect(response.data?.ingestItems.failed).toEqual([]);
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('is finished by the next activation before the old generation goes: no write lost, no delete undone', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const { version } = await gateway.services.training.train({
      modality: 'IMAGE',
      subspaces: 2,
      clusters: 4,
    });
    const model = await gateway.services.registry.load('IMAGE', version);
    const before = (await backend.generation()).id;
    let calls = 0;
    let failures = 0;
    const activation = backend.activateModel('IMAGE', version, async (vectors) => {
      calls++;
      if (calls === 1) {
        // Land in the old generation after the copy's point in time: only a carry-over brings
        // the rename over, and removes the copies of the deleted items.
        const renamed = await gateway.gql<IngestData>(INGEST, {
          items: [
            { id: 'item-099', title: 'renamed while copying', imageVector: vectors[0] },
            {
              id: 'item-097',
              title: 'renamed, then deleted after the switch',
              imageVector: vectors[0],
            },
          ],
        });
        expect(renamed.data?.ingestItems.failed).toEqual([]);
        const deleted = await gateway.gql<{ deleteItems: number }>(DELETE, {
          ids: ['item-098'],
        });
        expect(deleted.data?.deleteItems).toBe(1);
      }
      if ((await backend.generation()).id !== before) {
        failures++;
        throw new Error('hashing fails during the carry-over');
      }
      return hashVectors(gateway.services.compute, model, vectors);
    });
    await expect(activation).rejects.toThrow('hashing fails during the carry-over');
    expect(failures).toBe(5);
    const switched = (await backend.generation()).id;
    expect(switched).not.toBe(before);
    // Deleted in the live generation after the switch: the finished carry-over leaves it gone.
    const deleted = await gateway.gql<{ deleteItems: number }>(DELETE, { ids: ['item-097'] });
    expect(deleted.data?.deleteItems).toBe(1);
    // Written after the switch by an instance whose clock lags (a revision from before the
    // switch), and not in the old generation: the finished carry-over leaves it, as it is no copy.
    const pending = (await backend.client.indices.getMapping({ index: switched }))[switched]
      ?.mappings._meta?.carry_over as { switched_at: number };
    const { _source: copy } = await backend.client.get<Record<string, unknown>>({
      index: switched,
      id: 'item-050',
    });
    expect(copy?.carried_from).toBe(before);
    const { carried_from: _mark, ...written } = copy!;
    const revision = pending.switched_at - 1000;
    await backend.client.index({
      index: switched,
      id: 'lagging',
      version: revision,
      version_type: 'external',
      document: { ...written, id: 'lagging', revision },
    });

    // The next activation (another modality) finishes the carry-over first.
    const text = await gateway.services.training.train({
      modality: 'TEXT',
      subspaces: 2,
      clusters: 4,
    });
    await backend.refresh();
    const [renamed, gone, deletedAfter] = await backend.getItems([
      'item-099',
      'item-098',
      'item-097',
    ]);
    expect(renamed?.title).toBe('renamed while copying');
    // Renamed with an image vector only: hashed with the model the failed activation switched to.
    expect(renamed?.modelVersions).toEqual({ IMAGE: version });
    expect(gone).toBeNull();
    expect(deletedAfter).toBeNull();
    expect((await backend.getItems(['lagging']))[0]?.id).toBe('lagging');
    expect(await backend.countItems()).toBe(99);
    const live = await backend.generation();
    expect(live.versions).toEqual({ IMAGE: version, TEXT: text.version });
    const mapping = await backend.client.indices.getMapping({ index: live.id });
    expect(mapping[live.id]?.mappings._meta).toEqual({ model_versions: live.versions });
  });

  it('is finished without an activation, but not automatically once it has been pending for days', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const version = (await backend.generation()).versions.IMAGE!;
    const model = await gateway.services.registry.load('IMAGE', version);
    const before = (await backend.generation()).id;
    let calls = 0;
    const activation = backend.activateModel('IMAGE', version, async (vectors) => {
      calls++;
      if (calls === 1) {
        const renamed = await gateway.gql<IngestData>(INGEST, {
          items: [{ id: 'item-090', title: 'renamed before the switch', imageVector: vectors[0] }],
        });
        expect(renamed.data?.ingestItems.failed).toEqual([]);
      }
      if ((await backend.generation()).id !== before) throw new Error('carry-over fails');
      return hashVectors(gateway.services.compute, model, vectors);
    });
    await expect(activation).rejects.toThrow('carry-over fails');
    const { id: live, versions } = await backend.generation();
    const meta = async () =>
      (await backend.client.indices.getMapping({ index: live }))[live]?.mappings._meta ?? {};
    const pending = (await meta()).carry_over as { switched_at: number };
    expect(pending).toMatchObject({ from: before });

    // Switched a week ago: the tombstones of later deletes may be gone, so it is left as it is.
    const weekAgo = pending.switched_at - 7 * 24 * 3600 * 1_000_000;
    const putSwitchedAt = (switchedAt: number) =>
      backend.client.indices.putMapping({
        index: live,
        _meta: {
          model_versions: versions,
          carry_over: { ...pending, switched_at: switchedAt },
        },
      });
    await putSwitchedAt(weekAgo);
    expect(await gateway.services.training.finishPendingCarryOver()).toBe(false);
    expect((await meta()).carry_over).toMatchObject({ from: before, switched_at: weekAgo });
    expect((await backend.client.indices.exists({ index: before })).valueOf()).toBe(true);

    await putSwitchedAt(pending.switched_at);
    expect(await gateway.services.training.finishPendingCarryOver()).toBe(true);
    expect(await meta()).toEqual({ model_versions: versions });
    await backend.refresh();
    expect((await backend.getItems(['item-090']))[0]?.title).toBe('renamed before the switch');
    expect(await gateway.services.training.finishPendingCarryOver()).toBe(false);
  });
});

describe('the activation lock of an items alias (Elasticsearch)', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startGateway({ backend: 'elasticsearch' });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('lets the second activation in only once the first has released the lock', async () => {
    const jobs = (gateway.backend as ElasticsearchBackend).jobs;
    const first = await jobs.acquireActivation('some-alias');
    let released = false;
    const second = jobs.acquireActivation('some-alias').then((lease) => ({ lease, released }));
    // Another alias is not held by it.
    const other = await jobs.acquireActivation('another-alias');
    await other.release();
    expect(await first.stillHeld()).toBe(true);
    released = true;
    await first.release();
    const next = await second;
    expect(next.released).toBe(true);
    expect(await next.lease.stillHeld()).toBe(true);
    expect(await first.stillHeld()).toBe(false);
    await next.lease.release();
  });

  it('takes over a lock without a heartbeat for 30 s; the holder it was taken from knows', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const held = await backend.jobs.acquireActivation('a-stale-alias');
    // Its heartbeat stopped a minute ago (its gateway stopped).
    await backend.client.index({
      index: backend.jobs.index,
      id: 'activation-a-stale-alias',
      refresh: true,
      document: { kind: 'activation', job_id: 'a stopped gateway', locked_at: Date.now() - 60_000 },
    });
    const taker = await backend.jobs.acquireActivation('a-stale-alias');
    expect(await taker.stillHeld()).toBe(true);
    expect(await held.stillHeld()).toBe(false);
    // Releasing a lock that was taken over leaves the new holder's alone.
    await held.release();
    expect(await taker.stillHeld()).toBe(true);
    await taker.release();
    const jobs = await backend.jobs.list(10);
    expect(jobs).toEqual([]);
  });

  it('refuses an activation that waited too long for the lock with CONFLICT, naming no index', async () => {
    const backend = gateway.backend as ElasticsearchBackend;
    const held = await backend.jobs.acquireActivation('a-busy-alias');
    const transport = new ResilientTransport({
      url: elasticsearchUrl(),
      requestTimeoutMs: 10_000,
      maxRetries: 0,
    });
    const impatient = new ElasticsearchJobStore(transport, backend.jobs.index, {
      waitMs: 200,
      pollMs: 50,
    });
    try {
      const error = await impatient.acquireActivation('a-busy-alias').then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(LshqlError);
      expect((error as LshqlError).code).toBe(ErrorCode.CONFLICT);
      expect((error as LshqlError).message).not.toContain('a-busy-alias');
      expect(await held.stillHeld()).toBe(true);
    } finally {
      await held.release();
      await transport.close();
    }
  });
});
