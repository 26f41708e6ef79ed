import type { Modality } from '../../domain/modalities.js';
import { reconciled } from '../../models/training-jobs.js';
import {
  FINAL_TRAINING_STATES,
  lockIsLive,
  type JobStore,
  type LockOutcome,
  type TrainingJobRecord,
} from '../../models/ports.js';

/**
 * Training jobs and locks in memory: the same semantics as Elasticsearch's, for one process.
 * The jobs are persisted with the embedded backend's snapshot file (`onChange` schedules a save);
 * the locks are not, since no job of an earlier run still runs.
 */
export class InMemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, TrainingJobRecord>();
  private readonly locks = new Map<Modality, { jobId: string; lockedAt: number }>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  async create(job: TrainingJobRecord): Promise<void> {
    if (this.jobs.has(job.id)) throw new Error(`training job ${job.id} exists already`);
    this.jobs.set(job.id, structuredClone(job));
    this.onChange();
  }

  async update(job: TrainingJobRecord): Promise<void> {
    const previous = this.jobs.get(job.id);
    this.jobs.set(job.id, structuredClone(job));
    // A heartbeat alone (same state) is not worth rewriting the file for.
    if (previous?.state !== job.state || previous.error !== job.error) this.onChange();
  }

  /** The jobs as persisted (shared references: do not mutate). */
  snapshot(): TrainingJobRecord[] {
    return [...this.jobs.values()];
  }

  /**
   * Replaces the jobs with persisted ones (whose objects it then owns). A job that was still
   * running when they were saved ran in a process that has stopped: it is FAILED. Returns how
   * many were.
   */
  restore(jobs: readonly TrainingJobRecord[], now = Date.now()): number {
    this.jobs.clear();
    this.locks.clear();
    let stopped = 0;
    for (const job of jobs) {
      const running = !FINAL_TRAINING_STATES.includes(job.state);
      if (running) stopped++;
      this.jobs.set(job.id, running ? reconciled(job, -1, now) : job);
    }
    return stopped;
  }

  async get(id: string): Promise<TrainingJobRecord | null> {
    const job = this.jobs.get(id);
    return job ? structuredClone(job) : null;
  }

  async list(limit: number): Promise<TrainingJobRecord[]> {
    return [...this.jobs.values()]
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0))
      .slice(0, limit)
      .map((job) => structuredClone(job));
  }

  async tryLock(modality: Modality, jobId: string, staleMs: number): Promise<LockOutcome> {
    const lock = this.locks.get(modality);
    const now = Date.now();
    if (lock === undefined) {
      this.locks.set(modality, { jobId, lockedAt: now });
      return { acquired: true, tookOverFrom: null };
    }
    if (lockIsLive(this.jobs.get(lock.jobId) ?? null, lock.lockedAt, staleMs, now)) {
      return { acquired: false, heldBy: lock.jobId };
    }
    this.locks.set(modality, { jobId, lockedAt: now });
    return { acquired: true, tookOverFrom: lock.jobId };
  }

  async holdsLock(modality: Modality, jobId: string): Promise<boolean> {
    return this.locks.get(modality)?.jobId === jobId;
  }

  async unlock(modality: Modality, jobId: string): Promise<void> {
    if (this.locks.get(modality)?.jobId === jobId) this.locks.delete(modality);
  }
}
