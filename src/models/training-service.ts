import { ErrorCode, LshqlError } from '../domain/errors.js';
import { defaultClusters, subspaceWidth } from '../lsh/default-clusters.js';
import { createRandom } from '../lsh/seeded-random.js';
import type { Metric } from '../lsh/lsh-model.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelRecord } from './model-record.js';
import type { GenerationStore, VectorSource } from './ports.js';
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

export interface TrainingProgress {
  phase: 'sampling' | 'training' | 'rehashing';
  done: number;
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

  async train(
    request: TrainRequest,
    onProgress?: (progress: TrainingProgress) => void,
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
      const { sample, count } = await this.sample(modality, dim, sampleSize, onProgress);
      if (count < 2) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `Training needs at least 2 stored ${modality} vectors; ${count} found.`,
        );
      }
      const subspaces = positiveInt(
        request.subspaces,
        'subspaces',
        Math.min(this.defaults.subspaces, dim),
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
          count,
          subspaceWidth(dim, subspaces, this.defaults.rotate),
          this.defaults.clusters,
        ),
      );
      if (clusters < 2 || clusters > count || clusters > 65_535) {
        throw new LshqlError(
          ErrorCode.BAD_USER_INPUT,
          `clusters must be between 2 and the number of sampled vectors (${count}).`,
        );
      }
      onProgress?.({ phase: 'training', done: 0 });
      const model = await this.compute.train(sample, count, {
        dim,
        subspaces,
        clusters,
        metric: this.defaults.metric,
        rotate: this.defaults.rotate,
        seed: this.defaults.seed,
      });
      const record = await this.registry.publish(modality, model);
      await this.activate(modality, record.version, onProgress);
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
  ): Promise<{ sample: Float32Array; count: number }> {
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
    const count = Math.min(seen, size);
    return { sample: sample.subarray(0, count * dim), count };
  }

  /**
   * Activates a stored version: the backend re-hashes every item of the modality into a new
   * generation and swaps it in at once. Returns how many items were re-hashed.
   */
  async activate(
    modality: Modality,
    version: number,
    onProgress?: (progress: TrainingProgress) => void,
  ): Promise<number> {
    const active = await this.registry.load(modality, version);
    const rehashed = await this.backend.activateModel(
      modality,
      version,
      (vectors) => hashVectors(this.compute, active, vectors),
      (done) => onProgress?.({ phase: 'rehashing', done }),
    );
    this.registry.invalidate();
    return rehashed;
  }
}
