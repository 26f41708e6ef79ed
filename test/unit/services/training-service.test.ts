import { describe, expect, it } from 'vitest';
import { ErrorCode, LshqlError } from '../../../src/domain/errors.js';
import type { GenerationStore } from '../../../src/models/ports.js';
import { TrainingJobs } from '../../../src/models/training-jobs.js';
import { InMemoryJobStore } from '../../../src/search/embedded/job-store.js';
import type { TrainingProgress } from '../../../src/models/training-service.js';
import {
  IMAGE_DIM,
  TRAINING_DEFAULTS,
  collection,
  rejectsWith,
  stack,
  type Stack,
} from './helpers.js';

const items = collection(80);

async function filled(count = items.length): Promise<Stack> {
  const s = await stack();
  const outcome = await s.ingest.ingest(items.slice(0, count));
  expect(outcome.failed).toEqual([]);
  return s;
}

describe('ModelTrainingService', () => {
  it('rejects bad parameters before training anything', async () => {
    const s = await filled();
    const bad = [
      { sampleSize: 0 },
      { sampleSize: -5 },
      { sampleSize: 2.5 },
      { sampleSize: TRAINING_DEFAULTS.maxSampleSize + 1 },
      { subspaces: 0 },
      { subspaces: IMAGE_DIM + 1 },
      { subspaces: 1.5 },
      { clusters: 1 },
      { clusters: 0 },
      { clusters: items.length + 1 },
      { clusters: 10, sampleSize: 5 },
    ];
    for (const params of bad) {
      const error = await rejectsWith(
        s.training.train({ modality: 'IMAGE', ...params }),
        ErrorCode.BAD_USER_INPUT,
      );
      expect(error.message.length, JSON.stringify(params)).toBeGreaterThan(10);
    }
    expect(await s.backend.models.list()).toEqual([]);
    expect((await s.backend.generation()).versions).toEqual({});
  });

  it('needs stored vectors of the modality, at least two', async () => {
    const empty = await stack();
    const none = await rejectsWith(
      empty.training.train({ modality: 'TEXT' }),
      ErrorCode.BAD_USER_INPUT,
    );
    expect(none.message).toMatch(/textVector/);
    const one = await filled(1);
    await rejectsWith(one.training.train({ modality: 'IMAGE' }), ErrorCode.BAD_USER_INPUT);
    expect(await one.backend.models.list()).toEqual([]);
  });

  it('cuts no default subspace narrower than 8 dimensions; asked-for subspaces stay', async () => {
    const s = await filled();
    // 8-d vectors, unrotated, at most 4 subspaces by default: one of 8 dimensions.
    expect(await s.training.train({ modality: 'IMAGE' })).toMatchObject({ dim: 8, subspaces: 1 });
    expect(await s.training.train({ modality: 'IMAGE', subspaces: 4 })).toMatchObject({
      subspaces: 4,
    });
  });

  it('publishes the next version, activates it and re-hashes every item with it', async () => {
    const s = await filled();
    const phases: TrainingProgress['phase'][] = [];
    const subspacesDone: number[] = [];
    const first = await s.training.train(
      { modality: 'IMAGE', subspaces: 2, clusters: 5, sampleSize: 50 },
      (progress) => {
        if (phases.at(-1) !== progress.phase) phases.push(progress.phase);
        if (progress.phase === 'training') subspacesDone.push(progress.done);
      },
    );
    expect(phases).toEqual(['sampling', 'training', 'rehashing']);
    // Training reports each subspace as it is done.
    expect(subspacesDone).toEqual([0, 1, 2]);
    expect(first).toMatchObject({
      modality: 'IMAGE',
      version: 1,
      dim: IMAGE_DIM,
      subspaces: 2,
      clusters: 5,
      trainedOn: 50,
      active: true,
    });
    const second = await s.training.train({ modality: 'IMAGE', subspaces: 4, clusters: 6 });
    expect(second).toMatchObject({ version: 2, subspaces: 4, clusters: 6, active: true });
    expect((await s.registry.list('IMAGE')).map((m) => [m.version, m.active]).sort()).toEqual([
      [1, false],
      [2, true],
    ]);
    expect((await s.backend.generation()).versions).toEqual({ IMAGE: 2 });
    // Every stored item now holds version 2's tokens of its vector.
    const active = await s.registry.requireActive('IMAGE');
    expect(active.record.version).toBe(2);
    const stored = await s.backend.getItems(
      items.map((i) => i.id),
      { withVectors: true },
    );
    for (const item of stored) {
      expect(item!.modelVersions.IMAGE).toBe(2);
      expect(item!.tokens.IMAGE).toEqual(active.hasher.hashOne(item!.vectors.IMAGE!));
    }
  });

  it('defaults the sample size and clusters from the stored data, and trains reproducibly', async () => {
    const a = await filled();
    const b = await filled();
    const ra = await a.training.train({ modality: 'TEXT' });
    const rb = await b.training.train({ modality: 'TEXT' });
    expect(ra.trainedOn).toBe(items.length);
    expect(ra.clusters).toBeGreaterThanOrEqual(2);
    expect(ra.clusters).toBeLessThanOrEqual(items.length);
    const [ma, mb] = [await a.backend.models.get('TEXT', 1), await b.backend.models.get('TEXT', 1)];
    expect(ma!.model).toEqual(mb!.model);
    expect({ ...rb, createdAt: ra.createdAt }).toEqual(ra);
  });

  it('refuses a second training of the same modality while one runs (CONFLICT)', async () => {
    const s = await filled();
    const running = s.training.train({ modality: 'IMAGE' });
    await rejectsWith(s.training.train({ modality: 'IMAGE' }), ErrorCode.CONFLICT);
    // Another modality may train meanwhile.
    const text = s.training.train({ modality: 'TEXT' });
    expect((await running).version).toBe(1);
    expect((await text).version).toBe(1);
    // Once done, the modality can be trained again.
    expect((await s.training.train({ modality: 'IMAGE' })).version).toBe(2);
  });

  it('activates a stored version on request (a model imported from elsewhere)', async () => {
    const source = await filled();
    await source.training.train({ modality: 'IMAGE', clusters: 4 });
    const exported = await source.backend.models.get('IMAGE', 1);

    const target = await filled();
    const published = await target.registry.publish(
      'IMAGE',
      (await source.registry.load('IMAGE', 1)).model,
    );
    expect(published).toMatchObject({ version: 1, active: false });
    expect(await target.registry.active('IMAGE', { fresh: true })).toBeNull();
    const rehashed = await target.training.activate('IMAGE', 1);
    expect(rehashed).toBe(items.length);
    expect((await target.backend.models.get('IMAGE', 1))!.model).toEqual(exported!.model);
    expect((await target.registry.requireActive('IMAGE')).record.version).toBe(1);
  });

  it('checks the job guard again under the activation lock: a job that lost its lock switches nothing', async () => {
    const s = await filled();
    const activate = s.backend.activateModel.bind(s.backend);
    // Like the Elasticsearch backend: the check runs once the activation lock is held, which may
    // be long after the job asked for it.
    const port: GenerationStore = s.backend;
    port.activateModel = async (modality, version, hash, options) => {
      await options?.beforeSwitch?.();
      return activate(
        modality,
        version,
        hash,
        options?.onProgress ? { onProgress: options.onProgress } : {},
      );
    };
    const steps: string[] = [];
    let lockHeld = true;
    const guard = async (step: 'publish' | 'activate') => {
      steps.push(step);
      if (!lockHeld) throw new LshqlError(ErrorCode.CONFLICT, `lock lost before ${step}`);
      // Taken over while the activation waits for the activation lock.
      if (step === 'activate') lockHeld = false;
    };
    const error = await rejectsWith(
      s.training.train({ modality: 'IMAGE', subspaces: 2, clusters: 5 }, undefined, guard),
      ErrorCode.CONFLICT,
    );
    expect(error.message).toBe('lock lost before activate');
    expect(steps).toEqual(['publish', 'activate', 'activate']);
    expect((await s.backend.generation()).versions).toEqual({});
  });

  it('a job retries a failed read of its lock once before failing: a transient failure costs nothing', async () => {
    const s = await filled();
    const store = new InMemoryJobStore();
    const holdsLock = store.holdsLock.bind(store);
    let failures = 0;
    store.holdsLock = async (modality, jobId) => {
      if (failures < 1) {
        failures++;
        throw new Error('connection reset');
      }
      return holdsLock(modality, jobId);
    };
    const jobs = new TrainingJobs(store, s.training);
    const model = await jobs.trainAndWait({ modality: 'IMAGE', subspaces: 2, clusters: 5 });
    expect(failures).toBe(1);
    expect(model).toMatchObject({ modality: 'IMAGE', version: 1, active: true });

    // Failing twice in a row fails the job.
    store.holdsLock = () => Promise.reject(new Error('connection reset'));
    await expect(
      jobs.trainAndWait({ modality: 'IMAGE', subspaces: 2, clusters: 5 }),
    ).rejects.toThrow('connection reset');
    expect((await s.backend.generation()).versions).toEqual({ IMAGE: 1 });
  });
});
