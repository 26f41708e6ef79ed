import { ErrorCode, LshqlError } from '../domain/errors.js';
import { defaultClusters, defaultSubspaces, subspaceWidth } from '../lsh/default-clusters.js';
import { createRandom } from '../lsh/seeded-random.js';
import type { Metric } from '../lsh/lsh-model.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelRecord } from './model-record.js';
import type { GenerationStore, HashWith, VectorSource } from './ports.js';
import { modalitySpec, type Modality } from '../domain/modalities.js';
import { hashVectors } from './hash-vectors.js';
import { InlineCompute, type Compute } from '../compute/compute.js';

export interface TrainingDefaults {
  subspaces: number;
  clusters: number;
  sampleSize: number;
  maxSampleSize: number;
  metric: Metric;
  rotate: boolean;
  seed: number;
  /** Vectors read and re-hashed per request while re-hashing. */
  batchSize: number;
}

export interface TrainRequest {
  modality: Modality;
  subspaces?: number | null;
  clusters?: number | null;
  sampleSize?: number | null;
}

/**
 * Called before a step that changes what others see (publishing the model, activating it); it
 * throws to stop the training there, with nothing of that step done.
 */
export type TrainingGuard = (step: 'publish' | 'activate') => Promise<void>;

export interface TrainingProgress {
  phase: 'sampling' | 'training' | 'rehashing';
  done: number;
  /** What `done` counts up to, when known (sampling: vectors; training: subspaces; re-hashing: items). */
  total?: number;
}

function positiveInt(value: number | null | undefined, name: string, fallback: number): number {
  if (value === null || value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new LshqlError(ErrorCode.BAD_USER_INPUT, `${name} must be a positive integer.`);
  }
  return value;
}

/**
 * Trains the next model version of a modality on a seeded reservoir sample of the stored
 * vectors, stores it, and activates it: the backend re-hashes every stored item into a new
 * generation and swaps it in atomically, so queries never mix versions.
 */
export class ModelTrainingService {
  private readonly running = new Set<Modality>();

  constructor(
    private readonly backend: GenerationStore & VectorSource,
    private readonly registry: ModelRegistry,
    private readonly defaults: TrainingDefaults,
    /** Runs k-means and re-hashing off the event loop (the worker pool). */
    private readonly compute: Compute = new InlineCompute(),
  ) {}

  /**
   * Checks a request's parameters before any work starts, so that a bad one is refused at once
   * (BAD_USER_INPUT) instead of failing a job. What depends on the sample is checked by `train`.
   */
  async validate(request: TrainRequest): Promise<void> {
    const sampleSize = positiveInt(request.sampleSize, 'sampleSize', this.defaults.sampleSize);
    if (sampleSize > this.defaults.maxSampleSize) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `sampleSize may be at most ${this.defaults.maxSampleSize}.`,
      );
    }
    const subspaces = positiveInt(request.subspaces, 'subspaces', 1);
    const clusters = positiveInt(request.clusters, 'clusters', 2);
    if (clusters < 2 || clusters > 65_535) {
      throw new LshqlError(ErrorCode.BAD_USER_INPUT, 'clusters must be between 2 and 65535.');
    }
    if (clusters > sampleSize) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `clusters (${clusters}) cannot exceed sampleSize (${sampleSize}).`,
      );
    }
    const dim = await this.backend.storedDimension(request.modality);
    if (dim !== null && subspaces > dim) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `subspaces (${subspaces}) cannot exceed the vector length (${dim}).`,
      );
    }
  }

  async train(
    request: TrainRequest,
    onProgress?: (progress: TrainingProgress) => void,
    guard?: TrainingGuard,
  ): Promise<ModelRecord> {
    const { modality } = request;
    const sampleSize = positiveInt(request.sampleSize, 'sampleSize', this.defaults.sampleSize);
    if (sampleSize > this.defaults.maxSampleSize) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `sampleSize may be at most ${this.defaults.maxSampleSize}.`,
      );
    }
    if (this.running.has(modality)) {
      throw new LshqlError(
        ErrorCode.CONFLICT,
        `A ${modality} model is being trained already; wait for it to finish.`,
      );
    }
    this.running.add(modality);
    try {
      const dim = await this.backend.storedDimension(modality);
      if (dim === null) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `No item has a ${modality} vector yet: ingest items with ${modalitySpec(modality).inputField} first.`,
        );
      }
      const { sample, count, seen } = await this.sample(modality, dim, sampleSize, onProgress);
      if (count < 2) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `Training needs at least 2 stored ${modality} vectors; ${count} found.`,
        );
      }
      const distinct = distinctUsable(sample, count, dim);
      if (distinct < 2) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `Training needs at least 2 different non-zero ${modality} vectors; the sample of ${count} has ${distinct}.`,
        );
      }
      const subspaces = positiveInt(
        request.subspaces,
        'subspaces',
        defaultSubspaces(dim, this.defaults.subspaces, this.defaults.rotate),
      );
      if (subspaces > dim) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `subspaces (${subspaces}) cannot exceed the vector length (${dim}).`,
        );
      }
      const clusters = positiveInt(
        request.clusters,
        'clusters',
        defaultClusters(
          distinct,
          subspaceWidth(dim, subspaces, this.defaults.rotate),
          this.defaults.clusters,
        ),
      );
      if (clusters < 2 || clusters > distinct || clusters > 65_535) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `clusters must be between 2 and the number of different sampled vectors (${distinct}).`,
        );
      }
      onProgress?.({ phase: 'training', done: 0, total: subspaces });
      const model = await this.compute.train(
        sample,
        count,
        {
          dim,
          subspaces,
          clusters,
          metric: this.defaults.metric,
          rotate: this.defaults.rotate,
          seed: this.defaults.seed,
        },
        (done) => onProgress?.({ phase: 'training', done, total: subspaces }),
      );
      await guard?.('publish');
      const record = await this.registry.publish(modality, model);
      await guard?.('activate');
      // Checked again once the activation lock is held (waiting for it may take long, and the
      // job's lock may be taken over meanwhile) and right before the switch.
      const beforeSwitch = guard ? () => guard('activate') : undefined;
      await this.activate(modality, record.version, onProgress, seen, beforeSwitch);
      return { ...record, active: true };
    } finally {
      this.running.delete(modality);
    }
  }

  private async sample(
    modality: Modality,
    dim: number,
    size: number,
    onProgress?: (progress: TrainingProgress) => void,
  ): Promise<{ sample: Float32Array; count: number; seen: number }> {
    const sample = new Float32Array(size * dim);
    const random = createRandom(this.defaults.seed);
    let seen = 0;
    for await (const rows of this.backend.scanVectors(modality, {
      batchSize: this.defaults.batchSize,
    })) {
      for (const row of rows) {
        if (row.vector.length !== dim) continue;
        // Reservoir sampling: every stored vector has the same chance to be in the sample.
        const slot = seen < size ? seen : Math.floor(random() * (seen + 1));
        if (slot < size) sample.set(row.vector, slot * dim);
        seen++;
      }
      onProgress?.({ phase: 'sampling', done: seen });
    }
    onProgress?.({ phase: 'sampling', done: seen, total: seen });
    const count = Math.min(seen, size);
    return { sample: sample.subarray(0, count * dim), count, seen };
  }

  /** Hashing with any stored model version. */
  private readonly hashWith: HashWith = async (modality, version) => {
    const model = await this.registry.load(modality, version);
    return (vectors) => hashVectors(this.compute, model, vectors);
  };

  /**
   * Finishes the carry-over an earlier activation left pending (otherwise the next activation
   * does). Whether one was finished.
   */
  async finishPendingCarryOver(): Promise<boolean> {
    return (await this.backend.finishPendingCarryOver?.(this.hashWith)) ?? false;
  }

  /**
   * Activates a stored version: the backend re-hashes every item of the modality into a new
   * generation and swaps it in at once. Returns how many items were re-hashed.
   */
  async activate(
    modality: Modality,
    version: number,
    onProgress?: (progress: TrainingProgress) => void,
    /** Items expected to be re-hashed, when known (reported as the progress total). */
    total?: number,
    /** Throws when the version is no longer wanted; checked under the activation lock. */
    beforeSwitch?: () => Promise<void>,
  ): Promise<number> {
    const active = await this.registry.load(modality, version);
    onProgress?.({ phase: 'rehashing', done: 0, ...(total === undefined ? {} : { total }) });
    const rehashed = await this.backend.activateModel(
      modality,
      version,
      (vectors) => hashVectors(this.compute, active, vectors),
      {
        onProgress: (done) =>
          onProgress?.({ phase: 'rehashing', done, ...(total === undefined ? {} : { total }) }),
        hashWith: this.hashWith,
        ...(beforeSwitch ? { beforeSwitch } : {}),
      },
    );
    this.registry.invalidate();
    return rehashed;
  }
}

/** How many different vectors with a non-zero norm the sample holds . */
function distinctUsable(sample: Float32Array, count: number, dim: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const row = sample.subarray(i * dim, (i + 1) * dim);
    if (!row.some((value) => value !== 0)) continue;
    seen.add(Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64'));
  }
  return seen.size;
}
