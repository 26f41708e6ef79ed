import type { Modality } from '../domain/modalities.js';
import type { StoredModel } from './model-record.js';

/** Where models live: immutable versions. Which one is active is the items' generation's. */
export interface ModelStore {
  list(modality?: Modality): Promise<StoredModel[]>;
  get(modality: Modality, version: number): Promise<StoredModel | null>;
  /** Writes a new version; `false` when that version exists already (another instance won). */
  create(model: StoredModel): Promise<boolean>;
}

/**
 * The searchable copy of the items and the model versions its tokens come from. Activating a
 * model builds a new generation and swaps it in atomically, so a query never sees two versions.
 */
export interface Generation {
  /** Opaque; writes name it so they land where their tokens belong. */
  id: string;
  versions: Partial<Record<Modality, number>>;
}

/**
 * Hashes a batch of vectors of one modality with the model being activated. Asynchronous: the
 * work runs off the serving event loop.
 */
export type HashBatch = (vectors: readonly (readonly number[])[]) => Promise<string[][]>;

/** Hashing with any stored model version (to finish the carry-over of an earlier activation). */
export type HashWith = (modality: Modality, version: number) => Promise<HashBatch>;

/** What an activation may be given besides the model and how to hash with it. */
export interface ActivationOptions {
  /** Called with the count of items re-hashed so far. */
  onProgress?: (rehashed: number) => void;
  /** Hashing with any stored version: to finish the carry-over an earlier activation left. */
  hashWith?: HashWith;
  /**
   * Runs once activations may no longer interleave (after waiting for the activation lock) and
   * again right before the switch; if it throws, nothing is switched.
   */
  beforeSwitch?: () => Promise<void>;
}

/** The generations of the items: which one is current, and switching to a re-hashed one. */
export interface GenerationStore {
  /** The current generation: where writes go and which model versions are active. */
  generation(): Promise<Generation>;
  /**
   * Makes `version` the active model of `modality`: every stored item of that modality is
   * re-hashed with `hash` into a new generation, which then replaces the current one at once.
   * Items written meanwhile are carried over. Returns how many items were re-hashed.
   */
  activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    options?: ActivationOptions,
  ): Promise<number>;
  /**
   * Finishes the carry-over an earlier activation left pending, if any (where one can be left
   * pending). Whether one was finished.
   */
  finishPendingCarryOver?(hashWith: HashWith): Promise<boolean>;
}

export interface VectorRow {
  id: string;
  vector: number[];
}

/** The stored vectors training samples from. */
export interface VectorSource {
  /** Streams the stored vectors of one modality, in batches. */
  scanVectors(modality: Modality, options: { batchSize: number }): AsyncIterable<VectorRow[]>;
  /** Length of the stored vectors of a modality, null when none is stored. */
  storedDimension(modality: Modality): Promise<number | null>;
}

/** The states of a training job, in order; DONE and FAILED are final. */
export type TrainingState = 'QUEUED' | 'SAMPLING' | 'TRAINING' | 'REHASHING' | 'DONE' | 'FAILED';

export const FINAL_TRAINING_STATES: readonly TrainingState[] = ['DONE', 'FAILED'];

/** The parameters a training job was asked for (null: the default). */
export interface TrainingParams {
  subspaces: number | null;
  clusters: number | null;
  sampleSize: number | null;
}

/** A training job as stored in the backend, where every gateway instance and the CLI see it. */
export interface TrainingJobRecord {
  id: string;
  modality: Modality;
  state: TrainingState;
  /** 0..1 over the whole job. */
  progress: number;
  itemsRehashed: number;
  /** Items of the modality to re-hash; null until sampling has counted them. */
  itemsTotal: number | null;
  params: TrainingParams;
  /** The model version the job published; null until it has. */
  version: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Written every few seconds while the job runs; an old one means its gateway stopped. */
  heartbeatAt: string;
  /** The gateway instance running the job. */
  owner: string;
}

/** The result of asking for a modality's training lock. */
export type LockOutcome =
  | {
      acquired: true;
      /** The job whose stale lock was taken over, if any. */ tookOverFrom: string | null;
    }
  | { acquired: false; heldBy: string };

/** Training jobs and the one-job-per-modality lock, shared by every gateway instance. */
export interface JobStore {
  /** Stores a new job. */
  create(job: TrainingJobRecord): Promise<void>;
  /** Replaces a stored job with this state. */
  update(job: TrainingJobRecord): Promise<void>;
  get(id: string): Promise<TrainingJobRecord | null>;
  /** The most recent jobs first (at most `limit`). */
  list(limit: number): Promise<TrainingJobRecord[]>;
  /**
   * Takes the training lock of `modality` for `jobId`. A lock held by a job that is final or
   * whose heartbeat is older than `staleMs` (or that has no record) is taken over.
   */
  tryLock(modality: Modality, jobId: string, staleMs: number): Promise<LockOutcome>;
  /** Releases the lock if `jobId` still holds it. */
  unlock(modality: Modality, jobId: string): Promise<void>;
  /** Whether the lock of `modality` still names `jobId` (it was not taken over). */
  holdsLock(modality: Modality, jobId: string): Promise<boolean>;
}

/** Whether a job counts as dead: not final and no heartbeat for `staleMs`. */
export function isStale(job: TrainingJobRecord, staleMs: number, now = Date.now()): boolean {
  return !FINAL_TRAINING_STATES.includes(job.state) && now - Date.parse(job.heartbeatAt) > staleMs;
}

/**
 * Whether a training lock still belongs to a running job: its job is not final and beats, or
 * (taken moments ago, before the job's record is written) the lock itself is recent.
 */
export function lockIsLive(
  holder: TrainingJobRecord | null,
  lockedAt: number,
  staleMs: number,
  now = Date.now(),
): boolean {
  if (holder)
    return !FINAL_TRAINING_STATES.includes(holder.state) && !isStale(holder, staleMs, now);
  return now - lockedAt <= staleMs;
}
