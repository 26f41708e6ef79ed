import { Piscina } from 'piscina';
import type { LshModel, LshModelParams } from '../lsh/lsh-model.js';
import { assembleModel, type PreparedTraining } from '../lsh/train.js';
import type { Compute } from './compute.js';
import type { ComputeTask } from './compute-worker.js';

/**
 * The worker module: compiled JavaScript next to this file in dist; when running from the
 * TypeScript sources (tsx, vitest) a small bootstrap that registers tsx in the worker first.
 */
export function workerFilename(moduleUrl: string = import.meta.url): string {
  const fromSource = moduleUrl.endsWith('.ts');
  return new URL(fromSource ? './compute-worker-source.mjs' : './compute-worker.js', moduleUrl)
    .href;
}

/** A buffer that can be moved to a worker: the whole buffer of the view, not shared. */
function transferable(view: Float32Array): { view: Float32Array; buffer: ArrayBuffer } {
  const whole =
    view.buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === view.buffer.byteLength;
  const own = whole ? view : view.slice();
  return { view: own, buffer: own.buffer as ArrayBuffer };
}

/**
 * Runs training and hashing on a pool of worker threads (piscina). Training: one task prepares
 * the vectors (normalise, rotate, split), then one task per subspace runs k-means, as many at a
 * time as there are workers. Hashing: one task per batch. Vectors and results move as
 * transferred typed arrays; a model's centroids are copied once into shared memory, so sending
 * the model with each hashing task costs nothing.
 */
export class WorkerPoolCompute implements Compute {
  private pool: Piscina<ComputeTask, unknown> | null = null;
  private closed = false;
  private nextModelId = 1;
  private readonly shared = new WeakMap<LshModel, { id: number; model: LshModel }>();

  constructor(private readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a positive integer, got ${threads}`);
    }
  }

  /** Threads start on first use, so a process that never trains or hashes starts none. */
  private get workers(): Piscina<ComputeTask, unknown> {
    if (this.closed) throw new Error('The worker pool is closed.');
    this.pool ??= new Piscina<ComputeTask, unknown>({
      filename: workerFilename(),
      minThreads: 0,
      maxThreads: this.threads,
      idleTimeout: 60_000,
      // Tasks are long (milliseconds to seconds): no busy-waiting for the next one.
      atomics: 'disabled',
    });
    return this.pool;
  }

  async train(
    vectors: Float32Array,
    count: number,
    params: LshModelParams,
    onSubspace?: (done: number) => void,
  ): Promise<LshModel> {
    return (await this.trainCounting(vectors, count, params, onSubspace)).model;
  }

  /** train, also telling how many Lloyd iterations each subspace ran. */
  async trainCounting(
    vectors: Float32Array,
    count: number,
    params: LshModelParams,
    onSubspace?: (done: number) => void,
  ): Promise<{ model: LshModel; iterations: number[] }> {
    const input = transferable(vectors);
    const prepared = (await this.workers.run(
      { kind: 'prepare', vectors: input.view, count, params },
      { transferList: [input.buffer] },
    )) as PreparedTraining;
    let done = 0;
    const results = await Promise.all(
      prepared.tasks.map(async (task) => {
        const result = (await this.workers.run(
          { kind: 'subspace', task },
          { transferList: [task.data.buffer as ArrayBuffer] },
        )) as { centroids: Float32Array; iterations: number };
        onSubspace?.(++done);
        return result;
      }),
    );
    return {
      model: assembleModel(
        prepared,
        results.map((r) => r.centroids),
      ),
      iterations: results.map((r) => r.iterations),
    };
  }

  async hash(model: LshModel, vectors: Float32Array, count: number): Promise<Int32Array> {
    const { id, model: sharedModel } = this.share(model);
    const input = transferable(vectors);
    return (await this.workers.run(
      { kind: 'hash', modelId: id, model: sharedModel, vectors: input.view, count },
      { transferList: [input.buffer] },
    )) as Int32Array;
  }

  /** The model with its centroids in shared memory (once per model: models are immutable). */
  private share(model: LshModel): { id: number; model: LshModel } {
    let entry = this.shared.get(model);
    if (!entry) {
      const centroids = model.centroids.map((c) => {
        const copy = new Float32Array(new SharedArrayBuffer(c.byteLength));
        copy.set(c);
        return copy;
      });
      entry = { id: this.nextModelId++, model: { ...model, centroids } };
      this.shared.set(model, entry);
    }
    return entry;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.destroy();
  }
}
