import { fileURLToPath } from 'node:url';
import { LshHasher } from '../../src/lsh/hasher.js';
import { vectorFile } from '../data/data-cache.js';
import type { Dataset } from '../data/dataset.js';
import { CHOSEN, RECIPE, section, type BenchContext } from '../lib/context.js';
import { fmtQps, fmtRatio, log, printTable, type Table } from '../lib/format.js';
import {
  paramsLabel,
  saveModel,
  trainingSample,
  trainModel,
  SEED,
  type LshParams,
} from '../lib/lsh-admin.js';
import { ensureVenv, runPython } from '../python/python-env.js';

const SCRIPT = fileURLToPath(new URL('../python/recipe_baseline.py', import.meta.url));

interface PythonRun {
  train_seconds: number;
  hashed: number;
  hash_seconds: number;
  vectors_per_second: number;
}
interface PythonResult {
  recipe?: PythonRun;
  numpy: PythonRun;
  versions?: Record<string, string>;
  threadpools?: {
    internal_api: string;
    num_threads: number;
    architecture: string;
    version: string;
  }[];
}

/** Repeats fn until `seconds` have passed (at least once); returns calls per second × per. */
function rate(seconds: number, per: number, fn: () => void): number {
  let calls = 0;
  const started = performance.now();
  do {
    fn();
    calls++;
  } while (performance.now() - started < seconds * 1000);
  return (calls * per) / ((performance.now() - started) / 1000);
}

/**
 * 5. Hashing and training speed vs the recipe's own pipeline (scikit-learn KMeans per subspace,
 * `predict` per vector) and a vectorised NumPy version, on the same vectors and parameters.
 */
export async function hashingBenchmark(ctx: BenchContext, data: Dataset) {
  const python = await ensureVenv(ctx.cacheDir);
  const { count: trainCount } = trainingSample(data, 'IMAGE');
  const hashCount = Math.min(data.count, 10_000);
  const table: Table = {
    title: `Hashing and training speed — ${data.image.dim}-d image vectors of ${data.name}`,
    columns: [
      'model',
      'pipeline',
      'train s',
      'hash vectors/s',
      'TypeScript hashing vs this',
      'this train time vs TypeScript',
    ],
    rows: [],
    note: '',
  };
  let info = '';
  for (const params of [RECIPE, CHOSEN] as LshParams[]) {
    log(`hashing: TypeScript training ${paramsLabel(params)} on ${trainCount} vectors`);
    const t0 = performance.now();
    const model = trainModel(data, 'IMAGE', params);
    const tsTrain = (performance.now() - t0) / 1000;
    saveModel(ctx.cacheDir, data, 'IMAGE', params, model);
    const hasher = new LshHasher(model);
    const codes = new Int32Array(hashCount * params.subspaces);
    const tsBatch = rate(ctx.size.hashSeconds, hashCount, () =>
      hasher.hashBatchInto(data.image.data, hashCount, codes),
    );
    const one = Array.from(data.image.data.subarray(0, data.image.dim));
    const tsOne = rate(Math.min(2, ctx.size.hashSeconds), 200, () => {
      for (let i = 0; i < 200; i++) hasher.hashOne(one);
    });

    log(`hashing: Python recipe and NumPy ${paramsLabel(params)}`);
    const py = await runPython<PythonResult>(python, SCRIPT, [
      '--vectors',
      vectorFile(ctx.cacheDir, data.name, 'image'),
      '--dim',
      String(data.image.dim),
      '--train-count',
      String(trainCount),
      '--hash-count',
      String(hashCount),
      '--subspaces',
      String(params.subspaces),
      '--clusters',
      String(params.clusters),
      '--seed',
      String(SEED),
      '--predict-seconds',
      String(ctx.size.hashSeconds),
      ...(params.rotate ? ['--rotate'] : []),
    ]);
    const label = paramsLabel(params);
    table.rows.push(
      [
        label,
        'TypeScript `trainLshModel` + `hashBatchInto` (codes)',
        tsTrain.toFixed(1),
        fmtQps(tsBatch),
        '1.00×',
        '1.00×',
      ],
      [
        label,
        'TypeScript `hashOne` (tokens, one vector a call)',
        '',
        fmtQps(tsOne),
        fmtRatio(tsBatch / tsOne),
        '',
      ],
    );
    if (py.recipe) {
      table.rows.push([
        label,
        'recipe: sklearn `KMeans` per subspace, `predict` per vector',
        py.recipe.train_seconds.toFixed(1),
        fmtQps(py.recipe.vectors_per_second),
        fmtRatio(tsBatch / py.recipe.vectors_per_second),
        fmtRatio(py.recipe.train_seconds / tsTrain),
      ]);
    }
    table.rows.push([
      label,
      'NumPy, vectorised (Lloyd 25 iterations; all vectors at once)',
      py.numpy.train_seconds.toFixed(1),
      fmtQps(py.numpy.vectors_per_second),
      fmtRatio(tsBatch / py.numpy.vectors_per_second),
      fmtRatio(py.numpy.train_seconds / tsTrain),
    ]);
    const recipeRatio = py.recipe ? tsBatch / py.recipe.vectors_per_second : NaN;
    const numpyRatio = tsBatch / py.numpy.vectors_per_second;
    ctx.facts[`hashRate ${label}`] = tsBatch;
    ctx.targets.push({
      target: `Hashing ≥ 50 × the recipe's per-vector Python and ≥ 1 × NumPy (${label})`,
      measured: `${fmtRatio(recipeRatio)} the recipe, ${fmtRatio(numpyRatio)} NumPy (${fmtQps(tsBatch)} vectors/s)`,
      met: recipeRatio >= 50 && numpyRatio >= 1,
    });
    if (py.versions) {
      const pools = (py.threadpools ?? []).map(
        (p) => `${p.internal_api} ${p.version ?? ''} ${p.architecture ?? ''} ×${p.num_threads}`,
      );
      info = `Python ${py.versions.python}, NumPy ${py.versions.numpy}, scikit-learn ${py.versions['scikit-learn']}; BLAS: ${pools.join(', ')}.`;
    }
  }
  table.note =
    `Training on the first ${trainCount.toLocaleString('en-US')} corpus vectors, hashing the first ` +
    `${hashCount.toLocaleString('en-US')} (the per-vector Python loop stops after ` +
    `${ctx.size.hashSeconds} s). All pipelines L2-normalise; "rot" adds the model's random rotation ` +
    '(TypeScript: the product’s own; Python: a dense random orthogonal matrix, one matrix product ' +
    `for NumPy). TypeScript runs single-threaded; NumPy uses its BLAS threads. ${info}`;
  section(ctx, '5. Hashing and training speed').tables.push(table);
  printTable(table);
}
