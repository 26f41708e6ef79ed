import type { LshModel, LshModelParams } from '../lsh/lsh-model.js';
import { LshHasher } from '../lsh/hasher.js';
import { trainSubspace } from '../lsh/subspace-kmeans.js';
import { assembleModel, prepareTraining } from '../lsh/train.js';

/**
 * The CPU-heavy work of the gateway: training LSH models and hashing batches of vectors. The
 * worker pool (worker-pool.ts) runs it on worker threads so the serving event loop stays free;
 * InlineCompute runs it right here (LSHQL_WORKERS=0, and small one-off tools).
 */
export interface Compute {
  /**
   * Trains a model (trainLshModel's contract); subspaces run in parallel on a pool, and
   * `onSubspace` hears how many are done after each one.
   */
  train(
    vectors: Float32Array,
    count: number,
    params: LshModelParams,
    onSubspace?: (done: number) => void,
  ): Promise<LshModel>;
  /**
   * Codes of `count` vectors (flat row-major count × model.dim) hashed with `model`:
   * codes[i * subspaces + g]. `vectors` may be transferred away: do not use it afterwards.
   */
  hash(model: LshModel, vectors: Float32Array, count: number): Promise<Int32Array>;
  /** Stops the workers; later calls fail. */
  close(): Promise<void>;
}

/** Hashers built once per model (models are immutable). */
export class HasherCache {
  private readonly hashers = new WeakMap<LshModel, LshHasher>();

  get(model: LshModel): LshHasher {
    let hasher = this.hashers.get(model);
    if (!hasher) {
      hasher = new LshHasher(model);
      this.hashers.set(model, hasher);
    }
    return hasher;
  }
}

/** Runs everything on the calling thread. */
export class InlineCompute implements Compute {
  private readonly hashers = new HasherCache();

  train(
    vectors: Float32Array,
    count: number,
    params: LshModelParams,
    onSubspace?: (done: number) => void,
  ): Promise<LshModel> {
    return new Promise((resolve) => {
      const prepared = prepareTraining(vectors, count, params);
      const centroids = prepared.tasks.map((task, i) => {
        const trained = trainSubspace(task);
        onSubspace?.(i + 1);
        return trained;
      });
      resolve(assembleModel(prepared, centroids));
    });
  }

  hash(model: LshModel, vectors: Float32Array, count: number): Promise<Int32Array> {
    return new Promise((resolve) => {
      const codes = new Int32Array(count * model.subspaces);
      this.hashers.get(model).hashBatchInto(vectors, count, codes);
      resolve(codes);
    });
  }

  async close(): Promise<void> {}
}
