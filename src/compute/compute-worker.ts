import { move, transferableSymbol, valueSymbol } from 'piscina';
import { LshHasher } from '../lsh/hasher.js';
import type { LshModel, LshModelParams } from '../lsh/lsh-model.js';
import { clusterSubspace, type SubspaceTask } from '../lsh/subspace-kmeans.js';
import { prepareTraining } from '../lsh/train.js';

/** What the pool sends a worker (worker-pool.ts). */
export type ComputeTask =
  | { kind: 'prepare'; vectors: Float32Array; count: number; params: LshModelParams }
  | { kind: 'subspace'; task: SubspaceTask }
  | { kind: 'hash'; modelId: number; model: LshModel; vectors: Float32Array; count: number };

/** Hashers of the models this worker hashed with lately (the model comes with every task). */
const hashers = new Map<number, LshHasher>();
const MAX_HASHERS = 8;

function hasherFor(modelId: number, model: LshModel): LshHasher {
  let hasher = hashers.get(modelId);
  if (hasher) {
    hashers.delete(modelId);
  } else {
    hasher = new LshHasher(model);
    if (hashers.size >= MAX_HASHERS) hashers.delete(hashers.keys().next().value!);
  }
  hashers.set(modelId, hasher);
  return hasher;
}

/** A result whose buffers are moved to the calling thread instead of copied. */
function withTransfers(value: object, buffers: ArrayBufferLike[]): unknown {
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return value;
    },
  } as unknown as Parameters<typeof move>[0]);
}

/** Entry point of a pool worker: pure computation on typed arrays, results moved back. */
export default function run(task: ComputeTask): unknown {
  switch (task.kind) {
    case 'prepare': {
      const prepared = prepareTraining(task.vectors, task.count, task.params);
      return withTransfers(
        prepared,
        prepared.tasks.map((t) => t.data.buffer),
      );
    }
    case 'subspace': {
      const result = clusterSubspace(task.task);
      return withTransfers(result, [result.centroids.buffer]);
    }
    case 'hash': {
      const codes = new Int32Array(task.count * task.model.subspaces);
      hasherFor(task.modelId, task.model).hashBatchInto(task.vectors, task.count, codes);
      return move(codes);
    }
  }
}
