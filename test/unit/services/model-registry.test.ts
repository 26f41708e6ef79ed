import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../src/domain/errors.js';
import type { Modality } from '../../../src/domain/modalities.js';
import type { LshModel } from '../../../src/lsh/lsh-model.js';
import { serializeModel } from '../../../src/lsh/model-serialization.js';
import { createRandom, gaussian } from '../../../src/lsh/seeded-random.js';
import { trainLshModel } from '../../../src/lsh/train.js';
import { modelKey, type StoredModel } from '../../../src/models/model-record.js';
import { ModelRegistry } from '../../../src/models/model-registry.js';
import type { Generation, ModelStore } from '../../../src/models/ports.js';
import { rejectsWith } from './helpers.js';

/** A tiny in-memory model store and generation pointer that count what is asked of them. */
class FakeBackend {
  readonly stored = new Map<string, StoredModel>();
  versions: Generation['versions'] = {};
  generationCalls = 0;
  getCalls = 0;
  refuseCreate = false;

  readonly models: ModelStore = {
    list: async (modality?: Modality) =>
      [...this.stored.values()].filter((m) => modality === undefined || m.modality === modality),
    get: async (modality, version) => {
      this.getCalls++;
      return this.stored.get(modelKey(modality, version)) ?? null;
    },
    create: async (model) => {
      if (this.refuseCreate || this.stored.has(modelKey(model.modality, model.version))) {
        return false;
      }
      this.stored.set(modelKey(model.modality, model.version), model);
      return true;
    },
  };

  async generation(): Promise<Generation> {
    this.generationCalls++;
    return { id: 'g', versions: { ...this.versions } };
  }

  put(modality: Modality, version: number, model: LshModel): void {
    this.stored.set(modelKey(modality, version), {
      modality,
      version,
      createdAt: '2026-01-01T00:00:00.000Z',
      model: serializeModel(model),
    });
  }
}

function model(dim: number, seed: number): LshModel {
  const random = createRandom(seed);
  const count = 40;
  const vectors = new Float32Array(count * dim);
  for (let i = 0; i < vectors.length; i++) vectors[i] = gaussian(random);
  return trainLshModel(vectors, count, {
    dim,
    subspaces: 2,
    clusters: 4,
    metric: 'cosine',
    rotate: false,
    seed,
  });
}

describe('ModelRegistry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers MODEL_NOT_TRAINED with what to do while a modality has no active model', async () => {
    const backend = new FakeBackend();
    const registry = new ModelRegistry(backend, { refreshMs: 1000 });
    expect(await registry.active('IMAGE')).toBeNull();
    const error = await rejectsWith(registry.requireActive('TEXT'), ErrorCode.MODEL_NOT_TRAINED);
    expect(error.message).toMatch(/trainModel/);
    expect(error.details).toEqual({ modality: 'TEXT' });
  });

  it('caches the generation for refreshMs, looks again when asked fresh or when older', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    const backend = new FakeBackend();
    backend.put('IMAGE', 1, model(8, 1));
    backend.versions = { IMAGE: 1 };
    const registry = new ModelRegistry(backend, { refreshMs: 1000 });
    expect((await registry.requireActive('IMAGE')).record.version).toBe(1);
    await registry.current();
    await registry.active('IMAGE');
    expect(backend.generationCalls).toBe(1);
    await registry.current({ fresh: true });
    expect(backend.generationCalls).toBe(2);
    vi.advanceTimersByTime(999);
    await registry.current();
    expect(backend.generationCalls).toBe(2);
    vi.advanceTimersByTime(2);
    await registry.current();
    expect(backend.generationCalls).toBe(3);
    // With refreshMs 0, every look is fresh.
    const eager = new ModelRegistry(backend, { refreshMs: 0 });
    await eager.current();
    await eager.current();
    expect(backend.generationCalls).toBe(5);
  });

  it('switches active versions: after invalidate, a fresh look, or the cache’s age', async () => {
    const backend = new FakeBackend();
    backend.put('IMAGE', 1, model(8, 1));
    backend.put('IMAGE', 2, model(8, 2));
    backend.put('TEXT', 1, model(6, 3));
    backend.versions = { IMAGE: 1, TEXT: 1 };
    const registry = new ModelRegistry(backend, { refreshMs: 3_600_000 });
    const first = await registry.current();
    expect(first.models.IMAGE!.record.version).toBe(1);
    expect(first.models.TEXT!.record).toMatchObject({ version: 1, dim: 6, active: true });

    backend.versions = { IMAGE: 2, TEXT: 1 };
    // Cached: still version 1 until this instance looks again.
    expect((await registry.requireActive('IMAGE')).record.version).toBe(1);
    expect((await registry.requireActive('IMAGE', { fresh: true })).record.version).toBe(2);

    backend.versions = { IMAGE: 1, TEXT: 1 };
    expect((await registry.requireActive('IMAGE')).record.version).toBe(2);
    registry.invalidate();
    const back = await registry.requireActive('IMAGE');
    expect(back.record.version).toBe(1);
    // Versions never change: version 1 is the very object loaded first.
    expect(back).toBe(first.models.IMAGE);
  });

  it('loads each version from the store once, and hashes with it', async () => {
    const backend = new FakeBackend();
    const trained = model(8, 1);
    backend.put('IMAGE', 1, trained);
    backend.versions = { IMAGE: 1 };
    const registry = new ModelRegistry(backend, { refreshMs: 0 });
    const a = await registry.load('IMAGE', 1);
    const b = await registry.load('IMAGE', 1);
    await registry.current();
    await registry.current();
    expect(b).toBe(a);
    expect(backend.getCalls).toBe(1);
    const vector = [1, 2, 3, 4, 5, 6, 7, 8];
    expect(a.hasher.hashOne(vector)).toHaveLength(2);
    expect(a.record).toMatchObject({ modality: 'IMAGE', version: 1, dim: 8, subspaces: 2 });
    await rejectsWith(registry.load('IMAGE', 9), ErrorCode.INTERNAL_SERVER_ERROR);
  });

  it('publishes the next version, inactive, and lists versions with the active one marked', async () => {
    const backend = new FakeBackend();
    const registry = new ModelRegistry(backend, { refreshMs: 0 });
    const v1 = await registry.publish('IMAGE', model(8, 1));
    const v2 = await registry.publish('IMAGE', model(8, 2));
    const t1 = await registry.publish('TEXT', model(6, 3));
    expect([v1.version, v2.version, t1.version]).toEqual([1, 2, 1]);
    expect([v1.active, v2.active, t1.active]).toEqual([false, false, false]);
    expect(backend.stored.get(modelKey('IMAGE', 2))!.model).toEqual(serializeModel(model(8, 2)));
    expect(await registry.active('IMAGE')).toBeNull();

    backend.versions = { IMAGE: 2 };
    const listed = await registry.list();
    expect(listed.map((m) => [m.modality, m.version, m.active])).toEqual([
      ['IMAGE', 1, false],
      ['IMAGE', 2, true],
      ['TEXT', 1, false],
    ]);
    expect((await registry.list('TEXT')).map((m) => m.dim)).toEqual([6]);
  });

  it('reports CONFLICT when another instance stored that version first', async () => {
    const backend = new FakeBackend();
    const registry = new ModelRegistry(backend, { refreshMs: 0 });
    await registry.publish('IMAGE', model(8, 1));
    backend.refuseCreate = true;
    const error = await rejectsWith(registry.publish('IMAGE', model(8, 2)), ErrorCode.CONFLICT);
    expect(error.message).toMatch(/version 2/);
    expect([...backend.stored.keys()]).toEqual([modelKey('IMAGE', 1)]);
  });
});
