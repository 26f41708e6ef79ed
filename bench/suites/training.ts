import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerPoolCompute } from '../../src/compute/worker-pool.js';
import type { LshModelParams } from '../../src/lsh/lsh-model.js';
import { clusterSubspace, initialCentroids } from '../../src/lsh/subspace-kmeans.js';
import { TOLERANCE, assembleModel, prepareTraining } from '../../src/lsh/train.js';
import { log, printTable, type Table } from '../lib/format.js';
import { runPython } from '../python/python-env.js';

export interface TrainingFigures {
  table: Table;
  poolSeconds: number;
  sklearnSeconds: number;
}

interface SklearnResult {
  seconds: number;
  iterations: number[];
  threads: number;
  sklearn: string;
  blas: string[];
}

const seconds = (since: number) => (performance.now() - since) / 1000;

function iterationSummary(iterations: number[]): string {
  const mean = iterations.reduce((a, b) => a + b, 0) / iterations.length;
  return `${Math.min(...iterations)}–${Math.max(...iterations)} (mean ${mean.toFixed(1)})`;
}

/**
 * Training 16 × 256 on Fashion-MNIST images: lshql's training on the worker pool (prepare, then
 * the subspaces in parallel) against scikit-learn KMeans fitting the same 16 subspace models on
 * the same prepared sample (n_init = 1, same max_iter and relative tol, as many threads as the
 * pool has workers). scikit-learn is timed on the fits only (not on normalising and rotating).
 */
export async function trainingBenchmark(options: {
  vectors: Float32Array;
  count: number;
  dim: number;
  workers: number;
  python: string;
  cacheDir: string;
  repoDir: string;
  inline: boolean;
}): Promise<TrainingFigures> {
  const { vectors, count, dim, workers } = options;
  const params: LshModelParams = {
    dim,
    subspaces: 16,
    clusters: 256,
    metric: 'cosine',
    rotate: true,
    seed: 42,
    maxIterations: 25,
  };
  const rows: (string | number)[][] = [];

  const pool = new WorkerPoolCompute(workers);
  let poolSeconds: number;
  let poolIterations: number[];
  try {
    // Start the threads first: a serving gateway has them running already.
    await pool.train(vectors.slice(0, 600 * dim), 600, { ...params, clusters: 8 });
    log(`training: lshql on ${workers} worker threads, ${count} × ${dim}`);
    const started = performance.now();
    poolIterations = (await pool.trainCounting(vectors.slice(0, count * dim), count, params))
      .iterations;
    poolSeconds = seconds(started);
  } finally {
    await pool.close();
  }

  // The same run on this thread, subspace by subspace, counting Lloyd iterations.
  log('training: preparing the sample (and the inline run)');
  let started = performance.now();
  const prepared = prepareTraining(vectors.subarray(0, count * dim), count, params);
  const prepareSeconds = seconds(started);
  let ours: number[] = [];
  let inlineSeconds: number | null = null;
  if (options.inline) {
    started = performance.now();
    const results = prepared.tasks.map(clusterSubspace);
    assembleModel(
      prepared,
      results.map((r) => r.centroids),
    );
    inlineSeconds = seconds(started) + prepareSeconds;
    ours = results.map((r) => r.iterations);
  }

  const dataFile = join(options.cacheDir, 'training-subspaces.f32');
  const initFile = join(options.cacheDir, 'training-inits.f32');
  const concat = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return Buffer.from(out.buffer);
  };
  writeFileSync(dataFile, concat(prepared.tasks.map((t) => t.data)));
  writeFileSync(initFile, concat(prepared.tasks.map(initialCentroids)));
  const sklearn = async (init: 'kmeans++' | 'given') => {
    log(`training: scikit-learn KMeans (init ${init}, ${workers} threads)`);
    return runPython<SklearnResult>(
      options.python,
      join(options.repoDir, 'bench/python/kmeans_baseline.py'),
      [
        '--data',
        dataFile,
        '--inits',
        initFile,
        '--count',
        String(count),
        '--widths',
        prepared.tasks.map((t) => t.width).join(','),
        '--clusters',
        String(params.clusters),
        '--max-iter',
        String(params.maxIterations),
        '--tol',
        String(TOLERANCE),
        '--seed',
        String(params.seed),
        '--threads',
        String(workers),
        '--init',
        init,
      ],
    );
  };
  const skPlusPlus = await sklearn('kmeans++');
  const skGiven = await sklearn('given');

  const ratio = (s: number) => (s / skPlusPlus.seconds).toFixed(2);
  rows.push([
    `lshql, worker pool (prepare + ${params.subspaces} subspaces in parallel)`,
    workers,
    poolSeconds.toFixed(1),
    iterationSummary(poolIterations),
    ratio(poolSeconds),
  ]);
  if (inlineSeconds !== null) {
    rows.push([
      'lshql, one thread (trainLshModel)',
      1,
      inlineSeconds.toFixed(1),
      iterationSummary(ours),
      ratio(inlineSeconds),
    ]);
  }
  rows.push([
    `scikit-learn ${skPlusPlus.sklearn} KMeans, k-means++ init`,
    skPlusPlus.threads,
    skPlusPlus.seconds.toFixed(1),
    iterationSummary(skPlusPlus.iterations),
    '1.00',
  ]);
  rows.push([
    'scikit-learn KMeans from lshql’s initial centroids',
    skGiven.threads,
    skGiven.seconds.toFixed(1),
    iterationSummary(skGiven.iterations),
    ratio(skGiven.seconds),
  ]);
  const table: Table = {
    title: `Training 16 × 256 on ${count} × ${dim} Fashion-MNIST images`,
    columns: ['implementation', 'threads', 'seconds', 'Lloyd iterations', 'time / scikit-learn'],
    rows,
    note:
      `Same sample (the first ${count} training images, L2-normalised and Hadamard-rotated to ` +
      `${prepared.rotatedDim} coordinates by lshql, ${prepared.tasks[0]!.width} per subspace), ` +
      `max_iter ${params.maxIterations}, tol ${TOLERANCE} × mean coordinate variance, n_init 1, ` +
      `algorithm "lloyd". lshql stops when no centroid moved more than tol; scikit-learn when ` +
      `the centroids' total movement is under tol (or no label changed). lshql's times include ` +
      `preparing the sample (${prepareSeconds.toFixed(1)} s on one thread); scikit-learn's are ` +
      `the fits only. BLAS: ${skPlusPlus.blas.join(', ')}.`,
  };
  printTable(table);
  return { table, poolSeconds, sklearnSeconds: skPlusPlus.seconds };
}
