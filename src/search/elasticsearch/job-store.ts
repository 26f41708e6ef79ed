import { errors, type estypes } from '@elastic/elasticsearch';
import type { Modality } from '../../domain/modalities.js';
import {
  lockIsLive,
  type JobStore,
  type LockOutcome,
  type TrainingJobRecord,
} from '../../models/ports.js';
import type { ResilientTransport } from './resilient-transport.js';

/**
 * The jobs index: a document per training job (`job-<id>`) and a create-only lock document per
 * modality (`lock-<MODALITY>`) that makes one job per modality run at a time across instances.
 */
export const JOBS_MAPPING = {
  dynamic: 'strict',
  properties: {
    kind: { type: 'keyword' },
    started_at: { type: 'date' },
    job: { type: 'object', enabled: false },
    job_id: { type: 'keyword' },
    locked_at: { type: 'long' },
  },
} as const satisfies estypes.MappingTypeMapping;

interface JobDocument {
  kind: 'job';
  started_at: string;
  job: TrainingJobRecord;
}

interface LockDocument {
  kind: 'lock';
  job_id: string;
  locked_at: number;
}

const jobDocId = (id: string) => `job-${id}`;
const lockDocId = (modality: Modality) => `lock-${modality}`;

function isStatus(error: unknown, status: number): boolean {
  return error instanceof errors.ResponseError && error.statusCode === status;
}

/** Training jobs and their locks in Elasticsearch, seen alike by every gateway instance. */
export class ElasticsearchJobStore implements JobStore {
  constructor(
    private readonly transport: ResilientTransport,
    readonly index: string,
  ) {}

  async create(job: TrainingJobRecord): Promise<void> {
    await this.transport.call('jobs', (client) =>
      client.create<JobDocument>({
        index: this.index,
        id: jobDocId(job.id),
        // Job writes are rare (a heartbeat every few seconds): visible to `list` at once.
        refresh: true,
        document: { kind: 'job', started_at: job.startedAt, job },
      }),
    );
  }

  async update(job: TrainingJobRecord): Promise<void> {
    await this.transport.call('jobs', (client) =>
      client.index<JobDocument>({
        index: this.index,
        id: jobDocId(job.id),
        refresh: true,
        document: { kind: 'job', started_at: job.startedAt, job },
      }),
    );
  }

  async get(id: string): Promise<TrainingJobRecord | null> {
    try {
      const response = await this.transport.call('jobs', (client) =>
        client.get<JobDocument>({ index: this.index, id: jobDocId(id) }),
      );
      return response._source?.job ?? null;
    } catch (error) {
      if (isStatus(error, 404)) return null;
      throw error;
    }
  }

  async list(limit: number): Promise<TrainingJobRecord[]> {
    const response = await this.transport.call('jobs', (client) =>
      client.search<JobDocument>({
        index: this.index,
        size: limit,
        sort: [{ started_at: 'desc' }],
        query: { term: { kind: 'job' } },
      }),
    );
    return response.hits.hits.flatMap((hit) => (hit._source ? [hit._source.job] : []));
  }

  async tryLock(
    modality: Modality,
    jobId: string,
    staleMs: number,
    attempts = 3,
  ): Promise<LockOutcome> {
    const lock: LockDocument = { kind: 'lock', job_id: jobId, locked_at: Date.now() };
    try {
      await this.transport.call('jobs', (client) =>
        client.create<LockDocument>({
          index: this.index,
          id: lockDocId(modality),
          refresh: true,
          document: lock,
        }),
      );
      return { acquired: true, tookOverFrom: null };
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
    const held = await this.readLock(modality);
    // Released between our create and our read: try again from the start.
    if (!held) return this.retryLock(modality, jobId, staleMs, attempts);
    const holder = await this.get(held.source.job_id);
    if (lockIsLive(holder, held.source.locked_at, staleMs)) {
      return { acquired: false, heldBy: held.source.job_id };
    }
    try {
      // Take the stale lock over only if nobody changed it since we read it.
      await this.transport.call('jobs', (client) =>
        client.index<LockDocument>({
          index: this.index,
          id: lockDocId(modality),
          if_seq_no: held.seqNo,
          if_primary_term: held.primaryTerm,
          refresh: true,
          document: lock,
        }),
      );
      return { acquired: true, tookOverFrom: held.source.job_id };
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
      // Changed since we read it: released (try again) or taken by another job.
      return this.retryLock(modality, jobId, staleMs, attempts);
    }
  }

  private async retryLock(
    modality: Modality,
    jobId: string,
    staleMs: number,
    attempts: number,
  ): Promise<LockOutcome> {
    if (attempts > 1) return this.tryLock(modality, jobId, staleMs, attempts - 1);
    const winner = await this.readLock(modality);
    return { acquired: false, heldBy: winner?.source.job_id ?? 'another job' };
  }

  async unlock(modality: Modality, jobId: string): Promise<void> {
    const held = await this.readLock(modality);
    if (!held || held.source.job_id !== jobId) return;
    try {
      await this.transport.call('jobs', (client) =>
        client.delete({
          index: this.index,
          id: lockDocId(modality),
          if_seq_no: held.seqNo,
          if_primary_term: held.primaryTerm,
          refresh: true,
        }),
      );
    } catch (error) {
      // Taken over or released meanwhile: it is not ours any more.
      if (!isStatus(error, 409) && !isStatus(error, 404)) throw error;
    }
  }

  private async readLock(
    modality: Modality,
  ): Promise<{ source: LockDocument; seqNo: number; primaryTerm: number } | null> {
    try {
      const response = await this.transport.call('jobs', (client) =>
        client.get<LockDocument>({ index: this.index, id: lockDocId(modality) }),
      );
      if (!response._source || response._seq_no === undefined) return null;
      return {
        source: response._source,
        seqNo: response._seq_no,
        primaryTerm: response._primary_term ?? 1,
      };
    } catch (error) {
      if (isStatus(error, 404)) return null;
      throw error;
    }
  }
}
