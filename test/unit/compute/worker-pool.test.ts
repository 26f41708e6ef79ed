import { afterAll, describe, expect, it } from 'vitest';
import { InlineCompute } from '../../../src/compute/compute.js';
import { WorkerPoolCompute, workerFilename } from '../../../src/compute/worker-pool.js';
import { LshHasher } from '../../../src/lsh/hasher.js';
import type { LshModelParams } from '../../../src/lsh/lsh-model.js';
import { trainLshModel } from '../../../src/lsh/train.js';
import { randomVectors } from '../lsh/helpers.js';

const params: LshModelParams = {
  dim: 48,
  subspaces: 6,
  clusters: 16,
  metric: 'cosine',
  rotate: true,
  seed: 9,
};

describe('WorkerPoolCompute', { timeout: 60_000 }, () => {
  const pool = new WorkerPoolCompute(2);
  afterAll(() => pool.close());
  const vectors = randomVectors(600, 48, 4);

  it('trains the same model on worker threads as trainLshModel does inline', async () => {
    const expected = trainLshModel(vectors, 600, params);
    const trained = await pool.train(vectors.slice(), 600, params);
    expect(trained.trainedOn).toBe(600);
    expect(Array.from(trained.bounds)).toEqual(Array.from(expected.bounds));
    expect(trained.rotation!.signs).toEqual(expected.rotation!.signs);
    expect(trained.centroids).toHaveLength(6);
    trained.centroids.forEach((c, g) => expect(c).toEqual(expected.centroids[g]));
  });

  it('hashes batches on worker threads exactly like the hasher, for more than one model', async () => {
    const a = trainLshModel(vectors, 600, params);
    const b = trainLshModel(vectors, 600, { ...params, seed: 10 });
    const batch = vectors.subarray(0, 100 * 48);
    for (const model of [a, b, a]) {
      const expected = new Int32Array(100 * 6);
      new LshHasher(model).hashBatchInto(batch, 100, expected);
      // A view into a larger buffer is copied, not detached.
      const codes = await pool.hash(model, batch, 100);
      expect(Array.from(codes)).toEqual(Array.from(expected));
    }
    expect(batch.length).toBe(100 * 48);
  });

  it('reports training errors from the worker with their message', async () => {
    await expect(pool.train(vectors.slice(), 600, { ...params, clusters: 601 })).rejects.toThrow(
      /clusters \(601\) exceeds the training sample size/,
    );
  });

  it('fails once closed', async () => {
    const closing = new WorkerPoolCompute(1);
    await closing.close();
    await expect(closing.hash(trainLshModel(vectors, 600, params), vectors, 1)).rejects.toThrow(
      /closed/,
    );
  });

  it('loads the compiled worker next to a compiled module, the bootstrap next to a source one', () => {
    expect(workerFilename('file:///app/dist/src/compute/worker-pool.js')).toBe(
      'file:///app/dist/src/compute/compute-worker.js',
    );
    expect(workerFilename('file:///app/src/compute/worker-pool.ts')).toBe(
      'file:///app/src/compute/compute-worker-source.mjs',
    );
  });
});

describe('InlineCompute', () => {
  it('trains and hashes like trainLshModel and the hasher', async () => {
    const vectors = randomVectors(300, 48, 5);
    const compute = new InlineCompute();
    const model = await compute.train(vectors, 300, params);
    expect(model.centroids).toEqual(trainLshModel(vectors, 300, params).centroids);
    const expected = new Int32Array(10 * 6);
    new LshHasher(model).hashBatchInto(vectors, 10, expected);
    expect(Array.from(await compute.hash(model, vectors.subarray(0, 480), 10))).toEqual(
      Array.from(expected),
    );
  });
});
