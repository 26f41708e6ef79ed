import { randomUUID } from 'node:crypto';
import { errors, type estypes } from '@elastic/elasticsearch';
import { ErrorCode, LshqlError } from '../../domain/errors.js';
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

/** The activation lock of an items alias: `job_id` names its holder, `locked_at` its heartbeat. */
interface ActivationLockDocument {
  kind: 'activation';
  job_id: string;
  locked_at: number;
}

const jobDocId = (id: string) => `job-${id}`;
const lockDocId = (modality: Modality) => `lock-${modality}`;
const activationDocId = (alias: string) => `activation-${alias}`;

/** How often the holder of an activation lock writes its heartbeat. */
const ACTIVATION_HEARTBEAT_MS = 2000;
/** An activation lock without a heartbeat for this long is taken over (its gateway stopped). */
const ACTIVATION_STALE_MS = 30_000;
/** How long an activation waits for another one to end before it gives up. */
const ACTIVATION_WAIT_MS = 30 * 60_000;
/** How often a waiting activation looks at the lock again. */
const ACTIVATION_POLL_MS = 250;

export interface ActivationLockOptions {
  heartbeatMs?: number;
  staleMs?: number;
  waitMs?: number;
  pollMs?: number;
}

/** A held activation lock. */
export interface ActivationLease {
  /** Whether the lock still names this holder (it was not taken over meanwhile). */
  stillHeld(): Promise<boolean>;
  /** Stops the heartbeat and releases the lock if it is still this holder's. */
  release(): Promise<void>;
}

/** Serialises the activations of one items alias across every gateway instance. */
export interface ActivationLocks {
  /** Waits (bounded) until the activation lock of `alias` is free or stale, and takes it. */
  acquireActivation(alias: string): Promise<ActivationLease>;
}

/** Where a write left a document, for the next conditional write. */
function positionOf(response: estypes.WriteResponseBase): { seqNo: number; primaryTerm: number } {
  return { seqNo: response._seq_no ?? 0, primaryTerm: response._primary_term ?? 1 };
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof errors.ResponseError && error.statusCode === status;
}

/** Training jobs and their locks in Elasticsearch, seen alike by every gateway instance. */
export class ElasticsearchJobStore implements JobStore, ActivationLocks {
  constructor(
    private readonly transport: ResilientTransport,
    readonly index: string,
    private readonly activationOptions: ActivationLockOptions = {},
  ) {}

  /**
   * Takes the activation lock of `alias` (a create-only document, like the training locks):
   * one activation at a time per items alias across instances, whatever the modality. The
   * holder writes a heartbeat; a lock without one for 30 s is taken over, conditionally on its
   * sequence number. A live lock is waited for (bounded).
   */
  async acquireActivation(alias: string): Promise<ActivationLease> {
    const heartbeatMs = this.activationOptions.heartbeatMs ?? ACTIVATION_HEARTBEAT_MS;
    const staleMs = this.activationOptions.staleMs ?? ACTIVATION_STALE_MS;
    const waitMs = this.activationOptions.waitMs ?? ACTIVATION_WAIT_MS;
    const pollMs = this.activationOptions.pollMs ?? ACTIVATION_POLL_MS;
    const holder = randomUUID();
    const id = activationDocId(alias);
    const deadline = Date.now() + waitMs;
    let held: { seqNo: number; primaryTerm: number } | null = null;
    while (!held) {
      held = await this.takeActivation(id, holder, staleMs);
      if (held) break;
      if (Date.now() > deadline) {
        throw new LshqlError(
          ErrorCode.CONFLICT,
          `Another model activation is still running after ${Math.round(waitMs / 1000)} s; nothing was switched. Activate the model again once it is done.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    let position = held;
    let lost = false;
    let beating: Promise<void> = Promise.resolve();
    const beat = async () => {
      try {
        const response = await this.transport.call('jobs', (client) =>
          client.index<ActivationLockDocument>({
            index: this.index,
            id,
            if_seq_no: position.seqNo,
            if_primary_term: position.primaryTerm,
            document: { kind: 'activation', job_id: holder, locked_at: Date.now() },
          }),
        );
        position = positionOf(response);
      } catch (error) {
        if (!isStatus(error, 409) && !isStatus(error, 404)) return; // The next beat tries again.
        // Changed since our last beat: by that beat itself (it timed out, yet was applied), or
        // by someone who took the lock over.
        const current = await this.readDoc<ActivationLockDocument>(id).catch(() => undefined);
        if (current === undefined) return;
        if (current?.source.job_id === holder) position = current;
        else lost = true;
      }
    };
    const timer = setInterval(() => {
      if (!lost) beating = beating.then(beat);
    }, heartbeatMs);
    timer.unref();
    return {
      stillHeld: async () => {
        if (lost) return false;
        const current = await this.readDoc<ActivationLockDocument>(id);
        return current?.source.job_id === holder;
      },
      release: async () => {
        clearInterval(timer);
        await beating;
        if (lost) return;
        const current = await this.readDoc<ActivationLockDocument>(id);
        if (!current || current.source.job_id !== holder) return;
        try {
          await this.transport.call('jobs', (client) =>
            client.delete({
              index: this.index,
              id,
              if_seq_no: current.seqNo,
              if_primary_term: current.primaryTerm,
              refresh: true,
            }),
          );
        } catch (error) {
          if (!isStatus(error, 409) && !isStatus(error, 404)) throw error;
        }
      },
    };
  }

  /** One try at the activation lock: created, or taken over if stale; null if held. */
  private async takeActivation(
    id: string,
    holder: string,
    staleMs: number,
  ): Promise<{ seqNo: number; primaryTerm: number } | null> {
    const document: ActivationLockDocument = {
      kind: 'activation',
      job_id: holder,
      locked_at: Date.now(),
    };
    try {
      const response = await this.transport.call('jobs', (client) =>
        client.create<ActivationLockDocument>({ index: this.index, id, document }),
      );
      return positionOf(response);
    } catch (error) {
      if (!isStatus(error, 409)) throw error;
    }
    const current = await this.readDoc<ActivationLockDocument>(id);
    // Our own create, applied though its answer was lost (a timeout): it is ours.
    if (current?.source.job_id === holder) return current;
    if (!current || Date.now() - current.source.locked_at <= staleMs) return null;
    try {
      const response = await this.transport.call('jobs', (client) =>
        client.index<ActivationLockDocument>({
          index: this.index,
          id,
          if_seq_no: current.seqNo,
          if_primary_term: current.primaryTerm,
          document,
        }),
      );
      return positionOf(response);
    } catch (error) {
      if (isStatus(error, 409)) return null;
      throw error;
    }
  }

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

  async holdsLock(modality: Modality, jobId: string): Promise<boolean> {
    return (await this.readLock(modality))?.source.job_id === jobId;
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

  private readLock(
    modality: Modality,
  ): Promise<{ source: LockDocument; seqNo: number; primaryTerm: number } | null> {
    return this.readDoc<LockDocument>(lockDocId(modality));
  }

  private async readDoc<T>(
    id: string,
  ): Promise<{ source: T; seqNo: number; primaryTerm: number } | null> {
    try {
      const response = await this.transport.call('jobs', (client) =>
        client.get<T>({ index: this.index, id }),
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
