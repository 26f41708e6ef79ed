import { describe, expect, it } from 'vitest';
import { lockIsLive, type TrainingJobRecord } from '../../../src/models/ports.js';
import { STOPPED_REASON, applyProgress, reconciled } from '../../../src/models/training-jobs.js';
import { InMemoryJobStore } from '../../../src/search/embedded/job-store.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function job(overrides: Partial<TrainingJobRecord> = {}): TrainingJobRecord {
  return {
    id: 'j1',
    modality: 'IMAGE',
    state: 'QUEUED',
    progress: 0,
    itemsRehashed: 0,
    itemsTotal: null,
    params: { subspaces: null, clusters: null, sampleSize: null },
    version: null,
    error: null,
    startedAt: new Date(NOW - 5000).toISOString(),
    finishedAt: null,
    heartbeatAt: new Date(NOW - 1000).toISOString(),
    owner: 'me',
    ...overrides,
  };
}

describe('applyProgress', () => {
  it('moves through the states with progress growing and counts recorded', () => {
    let record = applyProgress(job(), { phase: 'sampling', done: 500 });
    expect(record).toMatchObject({ state: 'SAMPLING', progress: 0, itemsTotal: null });
    record = applyProgress(record, { phase: 'sampling', done: 800, total: 800 });
    expect(record).toMatchObject({ state: 'SAMPLING', itemsTotal: 800 });
    expect(record.progress).toBeCloseTo(0.1);
    record = applyProgress(record, { phase: 'training', done: 8, total: 16 });
    expect(record.state).toBe('TRAINING');
    expect(record.progress).toBeCloseTo(0.3);
    record = applyProgress(record, { phase: 'rehashing', done: 400, total: 800 });
    expect(record).toMatchObject({ state: 'REHASHING', itemsRehashed: 400 });
    expect(record.progress).toBeCloseTo(0.75);
  });

  it('never lets progress go back', () => {
    const record = applyProgress(job({ state: 'TRAINING', progress: 0.4 }), {
      phase: 'training',
      done: 0,
      total: 16,
    });
    expect(record.progress).toBe(0.4);
  });
});

describe('reconciled', () => {
  it('reports a running job without a heartbeat for too long as FAILED', () => {
    const dead = job({ state: 'REHASHING', heartbeatAt: new Date(NOW - 31_000).toISOString() });
    expect(reconciled(dead, 30_000, NOW)).toMatchObject({
      state: 'FAILED',
      error: STOPPED_REASON,
      finishedAt: new Date(NOW).toISOString(),
    });
  });

  it('leaves live and finished jobs as they are', () => {
    const live = job({ state: 'TRAINING' });
    expect(reconciled(live, 30_000, NOW)).toBe(live);
    const done = job({ state: 'DONE', heartbeatAt: new Date(NOW - 3_600_000).toISOString() });
    expect(reconciled(done, 30_000, NOW)).toBe(done);
  });
});

describe('lockIsLive', () => {
  it('follows the holder job when it has a record', () => {
    expect(lockIsLive(job({ state: 'TRAINING' }), 0, 30_000, NOW)).toBe(true);
    expect(lockIsLive(job({ state: 'DONE' }), NOW, 30_000, NOW)).toBe(false);
    const stale = job({ state: 'TRAINING', heartbeatAt: new Date(NOW - 60_000).toISOString() });
    expect(lockIsLive(stale, NOW, 30_000, NOW)).toBe(false);
  });

  it('keeps a fresh lock whose job has no record yet', () => {
    expect(lockIsLive(null, NOW - 1000, 30_000, NOW)).toBe(true);
    expect(lockIsLive(null, NOW - 60_000, 30_000, NOW)).toBe(false);
  });
});

describe('InMemoryJobStore', () => {
  it('lets one job per modality hold the lock until it ends or goes stale', async () => {
    const store = new InMemoryJobStore();
    const now = new Date().toISOString();
    await store.create(job({ id: 'a', state: 'TRAINING', heartbeatAt: now, startedAt: now }));
    expect(await store.tryLock('IMAGE', 'a', 30_000)).toEqual({
      acquired: true,
      tookOverFrom: null,
    });
    expect(await store.tryLock('IMAGE', 'b', 30_000)).toEqual({ acquired: false, heldBy: 'a' });
    expect(await store.tryLock('TEXT', 'c', 30_000)).toMatchObject({ acquired: true });
    // Job a stops beating: its lock is taken over.
    await store.update(job({ id: 'a', state: 'TRAINING', heartbeatAt: '2000-01-01T00:00:00Z' }));
    expect(await store.tryLock('IMAGE', 'b', 30_000)).toEqual({
      acquired: true,
      tookOverFrom: 'a',
    });
    // Only the holder releases it.
    await store.unlock('IMAGE', 'a');
    expect(await store.tryLock('IMAGE', 'd', 30_000)).toEqual({ acquired: false, heldBy: 'b' });
    await store.unlock('IMAGE', 'b');
    expect(await store.tryLock('IMAGE', 'd', 30_000)).toMatchObject({ acquired: true });
  });

  it('lists the newest jobs first and hands out copies', async () => {
    const store = new InMemoryJobStore();
    await store.create(job({ id: 'old', startedAt: '2026-01-01T00:00:00Z' }));
    await store.create(job({ id: 'new', startedAt: '2026-01-02T00:00:00Z' }));
    expect((await store.list(10)).map((j) => j.id)).toEqual(['new', 'old']);
    expect((await store.list(1)).map((j) => j.id)).toEqual(['new']);
    const read = await store.get('old');
    read!.state = 'DONE';
    expect((await store.get('old'))?.state).toBe('QUEUED');
    await expect(store.create(job({ id: 'old' }))).rejects.toThrow();
  });

  it('tells a job whether it still holds its lock', async () => {
    const store = new InMemoryJobStore();
    expect(await store.holdsLock('IMAGE', 'a')).toBe(false);
    await store.tryLock('IMAGE', 'a', 30_000);
    expect(await store.holdsLock('IMAGE', 'a')).toBe(true);
    expect(await store.holdsLock('TEXT', 'a')).toBe(false);
    // a has no record: its lock goes stale, and b takes it over.
    expect(await store.tryLock('IMAGE', 'b', -1)).toEqual({ acquired: true, tookOverFrom: 'a' });
    expect(await store.holdsLock('IMAGE', 'a')).toBe(false);
    expect(await store.holdsLock('IMAGE', 'b')).toBe(true);
  });

  it('saves on a new job and on a state change, not on a heartbeat alone', async () => {
    let changes = 0;
    const store = new InMemoryJobStore(() => changes++);
    await store.create(job({ id: 'a', state: 'TRAINING' }));
    expect(changes).toBe(1);
    await store.update(job({ id: 'a', state: 'TRAINING', heartbeatAt: new Date().toISOString() }));
    expect(changes).toBe(1);
    await store.update(job({ id: 'a', state: 'DONE', version: 1 }));
    expect(changes).toBe(2);
  });

  it('restores persisted jobs: a finished one as it was, one that ran as FAILED', async () => {
    const store = new InMemoryJobStore();
    await store.tryLock('IMAGE', 'running', 30_000);
    const done = job({ id: 'done', state: 'DONE', version: 3 });
    const running = job({ id: 'running', state: 'REHASHING' });
    expect(store.restore([done, running], NOW)).toBe(1);
    expect(await store.get('done')).toEqual(done);
    expect(await store.get('running')).toEqual({
      ...running,
      state: 'FAILED',
      error: STOPPED_REASON,
      finishedAt: new Date(NOW).toISOString(),
    });
    // Locks are not restored: no job of an earlier run still runs.
    expect(await store.holdsLock('IMAGE', 'running')).toBe(false);
  });
});
