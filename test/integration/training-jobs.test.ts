import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import type { TrainingJobRecord } from '../../src/models/ports.js';
import { startGateway, type BackendKind, type Gateway } from '../support/gateway-harness.js';
import {
  INGEST,
  MODELS,
  START_TRAINING,
  TRAIN,
  TRAINING_JOB,
  TRAINING_JOBS,
  type IngestData,
  type TrainingJobData,
} from '../support/operations.js';

interface ModelsData {
  lshModels: { modality: string; version: number; active: boolean }[];
}

async function ingest(gateway: Gateway, items: readonly object[]): Promise<void> {
  const response = await gateway.gql<IngestData>(INGEST, { items });
  expect(response.errors).toBeUndefined();
  expect(response.data?.ingestItems.failed).toEqual([]);
}

/** Polls a job until it is DONE or FAILED; the states it went through, in order. */
async function waitForJob(
  gateway: Gateway,
  id: string,
): Promise<{ job: TrainingJobData; seen: string[] }> {
  const seen: string[] = [];
  for (;;) {
    const response = await gateway.gql<{ trainingJob: TrainingJobData | null }>(TRAINING_JOB, {
      id,
    });
    expect(response.errors).toBeUndefined();
    const job = response.data!.trainingJob!;
    if (seen.at(-1) !== job.state) seen.push(job.state);
    if (job.state === 'DONE' || job.state === 'FAILED') return { job, seen };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function activeVersions(gateway: Gateway): Promise<Record<string, number[]>> {
  const response = await gateway.gql<ModelsData>(MODELS, {});
  expect(response.errors).toBeUndefined();
  const out: Record<string, number[]> = {};
  for (const model of response.data!.lshModels) {
    (out[model.modality] ??= []).push(model.version);
    if (model.active) out[`${model.modality}:active`] = [model.version];
  }
  return out;
}

function staleRecord(id: string, modality: 'IMAGE' | 'TEXT'): TrainingJobRecord {
  const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
  return {
    id,
    modality,
    state: 'TRAINING',
    progress: 0.3,
    itemsRehashed: 0,
    itemsTotal: 100,
    params: { subspaces: null, clusters: null, sampleSize: null },
    version: null,
    error: null,
    startedAt: longAgo,
    finishedAt: null,
    heartbeatAt: longAgo,
    owner: 'an instance that stopped',
  };
}

describe.each<BackendKind>(['embedded', 'elasticsearch'])(
  'training jobs on the %s backend',
  (kind) => {
    let gateway: Gateway;
    const items = generateSyntheticItems({ count: 400, imageDim: 16, textDim: 12, topics: 4 });

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind, env: { LSHQL_MODEL_REFRESH_MS: '0' } });
      await ingest(gateway, items.map(toItemInput));
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('runs startTraining as a job to DONE with the new model active', async () => {
      const started = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'IMAGE',
        subspaces: 4,
        clusters: 8,
      });
      expect(started.errors).toBeUndefined();
      const job = started.data!.startTraining;
      expect(job).toMatchObject({ modality: 'IMAGE', state: 'QUEUED', progress: 0, model: null });
      const { job: done, seen } = await waitForJob(gateway, job.id);
      expect(done.error).toBeNull();
      expect(done).toMatchObject({
        state: 'DONE',
        progress: 1,
        itemsTotal: items.length,
        itemsRehashed: items.length,
        model: { modality: 'IMAGE', version: 1, active: true },
      });
      expect(done.finishedAt).not.toBeNull();
      // States only move forward.
      const order = ['QUEUED', 'SAMPLING', 'TRAINING', 'REHASHING', 'DONE'];
      const positions = seen.map((state) => order.indexOf(state));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      expect((await activeVersions(gateway))['IMAGE:active']).toEqual([1]);
      const listed = await gateway.gql<{ trainingJobs: TrainingJobData[] }>(TRAINING_JOBS);
      expect(listed.data!.trainingJobs.map((j) => j.id)).toContain(job.id);
    });

    it('refuses a second job for a modality while one runs (CONFLICT)', async () => {
      // Hold the first job at its re-hashing step until the second start has been answered.
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      const activate = gateway.backend.activateModel.bind(gateway.backend);
      gateway.backend.activateModel = async (...args) => {
        await held;
        return activate(...args);
      };
      try {
        const first = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
          modality: 'TEXT',
          subspaces: 4,
          clusters: 8,
        });
        expect(first.errors).toBeUndefined();
        const id = first.data!.startTraining.id;
        for (;;) {
          const read = await gateway.gql<{ trainingJob: TrainingJobData }>(TRAINING_JOB, { id });
          if (read.data!.trainingJob.state === 'REHASHING') break;
          expect(read.data!.trainingJob.state).not.toMatch(/DONE|FAILED/);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const second = await gateway.gql(START_TRAINING, { modality: 'TEXT' });
        expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');
        expect(second.errors?.[0]?.message).toContain(id);
        // Another modality is not locked by it; its bad parameters are still refused first.
        const other = await gateway.gql(START_TRAINING, { modality: 'IMAGE', subspaces: 0 });
        expect(other.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
        release();
        const { job } = await waitForJob(gateway, id);
        expect(job.state).toBe('DONE');
        expect(job.model).toMatchObject({ modality: 'TEXT', version: 1, active: true });
      } finally {
        release();
        gateway.backend.activateModel = activate;
      }
      // The lock is released with the job: the next one may start.
      const next = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'TEXT',
        subspaces: 4,
        clusters: 8,
      });
      expect(next.errors).toBeUndefined();
      expect((await waitForJob(gateway, next.data!.startTraining.id)).job.model?.version).toBe(2);
    });

    it('refuses one of two simultaneous starts for a modality', async () => {
      const activate = gateway.backend.activateModel.bind(gateway.backend);
      let release = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      gateway.backend.activateModel = async (...args) => {
        await held;
        return activate(...args);
      };
      try {
        const outcomes = await Promise.all(
          [0, 1].map(() =>
            gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
              modality: 'TEXT',
              subspaces: 4,
              clusters: 8,
            }),
          ),
        );
        const winners = outcomes.filter((r) => r.data?.startTraining);
        const losers = outcomes.filter((r) => r.errors);
        expect(winners).toHaveLength(1);
        expect(losers.map((r) => r.errors![0]!.extensions?.code)).toEqual(['CONFLICT']);
        release();
        expect((await waitForJob(gateway, winners[0]!.data!.startTraining.id)).job.state).toBe(
          'DONE',
        );
      } finally {
        release();
        gateway.backend.activateModel = activate;
      }
    });

    it('trainModel keeps its contract by waiting on a job', async () => {
      const response = await gateway.gql<{ trainModel: { version: number; active: boolean } }>(
        TRAIN,
        { modality: 'IMAGE', subspaces: 4, clusters: 8 },
      );
      expect(response.errors).toBeUndefined();
      expect(response.data!.trainModel).toMatchObject({ version: 2, active: true });
      const listed = await gateway.gql<{ trainingJobs: TrainingJobData[] }>(TRAINING_JOBS);
      expect(
        listed.data!.trainingJobs.find((j) => j.model?.version === 2 && j.modality === 'IMAGE'),
      ).toMatchObject({ state: 'DONE' });
    });

    it('reports a job whose gateway stopped as FAILED and takes its lock over', async () => {
      const dead = staleRecord(`dead-${kind}`, 'TEXT');
      await gateway.backend.jobs.create(dead);
      expect(await gateway.backend.jobs.tryLock('TEXT', dead.id, 30_000)).toEqual({
        acquired: true,
        tookOverFrom: null,
      });
      const started = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'TEXT',
        subspaces: 4,
        clusters: 8,
      });
      expect(started.errors).toBeUndefined();
      const { job } = await waitForJob(gateway, started.data!.startTraining.id);
      expect(job.state).toBe('DONE');
      const read = await gateway.gql<{ trainingJob: TrainingJobData }>(TRAINING_JOB, {
        id: dead.id,
      });
      expect(read.data!.trainingJob).toMatchObject({
        state: 'FAILED',
        error: 'gateway stopped while the job ran',
      });
      expect(read.data!.trainingJob.finishedAt).not.toBeNull();

      // A dead job nobody took over is reported FAILED too, in the list, and recorded so.
      const orphan = staleRecord(`orphan-${kind}`, 'IMAGE');
      await gateway.backend.jobs.create(orphan);
      const listed = await gateway.gql<{ trainingJobs: TrainingJobData[] }>(TRAINING_JOBS);
      expect(listed.data!.trainingJobs.find((j) => j.id === orphan.id)).toMatchObject({
        state: 'FAILED',
        error: 'gateway stopped while the job ran',
      });
      expect((await gateway.backend.jobs.get(orphan.id))?.state).toBe('FAILED');
    });

    it('refuses bad parameters at once (BAD_USER_INPUT) and changes nothing', async () => {
      const before = await activeVersions(gateway);
      const jobsBefore = (await gateway.gql<{ trainingJobs: TrainingJobData[] }>(TRAINING_JOBS))
        .data!.trainingJobs.length;
      for (const params of [
        { subspaces: 0 },
        { clusters: 1 },
        { sampleSize: -5 },
        { sampleSize: 10_000_000 },
        { subspaces: 17 },
        { clusters: 50, sampleSize: 10 },
      ]) {
        const response = await gateway.gql(START_TRAINING, { modality: 'IMAGE', ...params });
        expect(response.errors?.[0]?.extensions?.code, JSON.stringify(params)).toBe(
          'BAD_USER_INPUT',
        );
      }
      expect(await activeVersions(gateway)).toEqual(before);
      const jobsAfter = (await gateway.gql<{ trainingJobs: TrainingJobData[] }>(TRAINING_JOBS))
        .data!.trainingJobs.length;
      expect(jobsAfter).toBe(jobsBefore);
    });
  },
);

describe.each<BackendKind>(['embedded', 'elasticsearch'])(
  'training jobs on too few or degenerate vectors (%s)',
  (kind) => {
    let gateway: Gateway;
    const items = generateSyntheticItems({ count: 60, imageDim: 8, textDim: 6, topics: 3 });

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind, env: { LSHQL_MODEL_REFRESH_MS: '0' } });
      // Only IMAGE vectors at first: version 1 of IMAGE is trained on them.
      await ingest(
        gateway,
        items.map((item) => ({ id: item.id, title: item.title, imageVector: item.imageVector })),
      );
      const trained = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 2, clusters: 4 });
      expect(trained.errors).toBeUndefined();
    });
    afterAll(async () => {
      await gateway?.close();
    });

    it('fails a job on identical vectors with the reason, the previous model still active', async () => {
      const same = items[0]!.imageVector;
      // Every stored IMAGE vector becomes the same one.
      await ingest(
        gateway,
        items.map((item) => ({ id: item.id, title: item.title, imageVector: same })),
      );
      const before = await activeVersions(gateway);
      expect(before['IMAGE:active']).toEqual([1]);
      const started = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'IMAGE',
        subspaces: 2,
        clusters: 4,
      });
      expect(started.errors).toBeUndefined();
      const { job } = await waitForJob(gateway, started.data!.startTraining.id);
      expect(job.state).toBe('FAILED');
      expect(job.error).toMatch(/at least 2 different non-zero IMAGE vectors/);
      expect(job.model).toBeNull();
      expect(await activeVersions(gateway)).toEqual(before);
    });

    it('fails a job on too few vectors; trainModel reports it as BAD_USER_INPUT', async () => {
      await ingest(gateway, [{ id: 'only-text', textVector: items[1]!.textVector }]);
      const before = await activeVersions(gateway);
      const started = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'TEXT',
      });
      expect(started.errors).toBeUndefined();
      const { job } = await waitForJob(gateway, started.data!.startTraining.id);
      expect(job.state).toBe('FAILED');
      expect(job.error).toMatch(/at least 2 stored TEXT vectors; 1 found/);
      const waited = await gateway.gql(TRAIN, { modality: 'TEXT' });
      expect(waited.errors?.[0]?.extensions?.code, JSON.stringify(waited.errors)).toBe(
        'BAD_USER_INPUT',
      );
      expect(await activeVersions(gateway)).toEqual(before);
      expect(before.TEXT).toBeUndefined();
    });
  },
);

describe.each<BackendKind>(['embedded', 'elasticsearch'])(
  'a job whose lock is taken over while it runs (%s)',
  (kind) => {
    let gateway: Gateway;
    const items = generateSyntheticItems({ count: 80, imageDim: 8, textDim: 6, topics: 3 });

    beforeAll(async () => {
      gateway = await startGateway({ backend: kind, env: { LSHQL_MODEL_REFRESH_MS: '0' } });
      await ingest(gateway, items.map(toItemInput));
      const trained = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 2, clusters: 4 });
      expect(trained.errors).toBeUndefined();
    });
    afterAll(async () => {
      await gateway?.close();
    });

    /** Another job takes the IMAGE lock over, as if the running job's heartbeat had stopped. */
    const takeOver = async () => {
      const outcome = await gateway.backend.jobs.tryLock('IMAGE', 'the job that took over', -1);
      expect(outcome.acquired).toBe(true);
    };

    it('publishes nothing once its lock is taken over during k-means', async () => {
      const before = await activeVersions(gateway);
      const compute = gateway.services.compute;
      const train = compute.train.bind(compute);
      compute.train = async (...args) => {
        const model = await train(...args);
        await takeOver();
        return model;
      };
      try {
        const started = await gateway.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
          modality: 'IMAGE',
          subspaces: 2,
          clusters: 4,
        });
        expect(started.errors).toBeUndefined();
        const { job } = await waitForJob(gateway, started.data!.startTraining.id);
        expect(job.state).toBe('FAILED');
        expect(job.error).toBe(
          'the job lost its IMAGE training lock to another job (its heartbeat was missed) before it could publish; nothing was published or activated.',
        );
        expect(job.model).toBeNull();
      } finally {
        compute.train = train;
        await gateway.backend.jobs.unlock('IMAGE', 'the job that took over');
      }
      expect(await activeVersions(gateway)).toEqual(before);
    });

    it('activates nothing once its lock is taken over after publishing', async () => {
      const before = await activeVersions(gateway);
      const generation = await gateway.backend.generation();
      const registry = gateway.services.registry;
      const publish = registry.publish.bind(registry);
      registry.publish = async (...args) => {
        const record = await publish(...args);
        await takeOver();
        return record;
      };
      try {
        const response = await gateway.gql(TRAIN, { modality: 'IMAGE', subspaces: 2, clusters: 4 });
        expect(response.errors?.[0]?.extensions?.code).toBe('CONFLICT');
        expect(response.errors?.[0]?.message).toBe(
          'the job lost its IMAGE training lock to another job (its heartbeat was missed) before it could activate; the published version was not activated (the active IMAGE model is unchanged).',
        );
      } finally {
        registry.publish = publish;
        await gateway.backend.jobs.unlock('IMAGE', 'the job that took over');
      }
      const after = await activeVersions(gateway);
      expect(after['IMAGE:active']).toEqual(before['IMAGE:active']);
      expect(after.IMAGE).toHaveLength(before.IMAGE!.length + 1);
      expect(await gateway.backend.generation()).toEqual(generation);
    });
  },
);

describe('training jobs across a restart of the embedded backend', () => {
  let dir: string;
  const items = generateSyntheticItems({ count: 60, imageDim: 8, textDim: 6, topics: 3 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lshql-jobs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the jobs in the snapshot file: a finished one as it was, one running at stop FAILED', async () => {
    const env = { LSHQL_EMBEDDED_FILE: join(dir, 'store.jsonl'), LSHQL_MODEL_REFRESH_MS: '0' };
    const first = await startGateway({ backend: 'embedded', env });
    let done: TrainingJobData;
    const now = new Date().toISOString();
    const running = { ...staleRecord('running-at-stop', 'TEXT'), startedAt: now, heartbeatAt: now };
    try {
      await ingest(first, items.map(toItemInput));
      const started = await first.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'IMAGE',
        subspaces: 2,
        clusters: 4,
      });
      expect(started.errors).toBeUndefined();
      done = (await waitForJob(first, started.data!.startTraining.id)).job;
      expect(done.state).toBe('DONE');
      // A job that still runs (its heartbeat is fresh) when the gateway stops.
      await first.backend.jobs.create(running);
      const read = await first.gql<{ trainingJob: TrainingJobData }>(TRAINING_JOB, {
        id: running.id,
      });
      expect(read.data!.trainingJob.state).toBe('TRAINING');
    } finally {
      await first.close();
    }

    const second = await startGateway({ backend: 'embedded', env });
    try {
      const listed = await second.gql<{ trainingJobs: TrainingJobData[] }>(TRAINING_JOBS);
      expect(listed.errors).toBeUndefined();
      const jobs = new Map(listed.data!.trainingJobs.map((job) => [job.id, job]));
      expect([...jobs.keys()].sort()).toEqual([done!.id, running.id].sort());
      expect(jobs.get(done!.id)).toEqual(done!);
      expect(jobs.get(running.id)).toMatchObject({
        state: 'FAILED',
        error: 'gateway stopped while the job ran',
        model: null,
      });
      expect(jobs.get(running.id)!.finishedAt).not.toBeNull();
      // The stopped job holds no lock: its modality trains.
      const next = await second.gql<{ startTraining: TrainingJobData }>(START_TRAINING, {
        modality: 'TEXT',
        subspaces: 2,
        clusters: 4,
      });
      expect(next.errors).toBeUndefined();
      expect((await waitForJob(second, next.data!.startTraining.id)).job.state).toBe('DONE');
    } finally {
      await second.close();
    }
  });
});
