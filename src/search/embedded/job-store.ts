import type { Modality } from '../../domain/modalities.js';
import {
  lockIsLive,
  type JobStore,
  type LockOutcome,
  type TrainingJobRecord,
} from '../../models/ports.js';

/** Training jobs and locks in memory: the same semantics as Elasticsearch's, for one process. */
export class InMemoryJobStore implements JobStore {
  private readonly jobs = new Map<string, TrainingJobRecord>();
  private readonly locks = new Map<Modality, { jobId: string; lockedAt: number }>();

  async create(job: TrainingJobRecord): Promise<void> {
    if (this.jobs.has(job.id)) throw new Error(`training job ${job.id} exists already`);
    this.jobs.set(job.id, structuredClone(job));
  }

  async update(job: TrainingJobRecord): Promise<void> {
    this.jobs.set(job.id, structuredClone(job));
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
