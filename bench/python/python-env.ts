import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { log } from '../lib/format.js';

const run = promisify(execFile);

/** The benchmark's own virtual environment (.cache/bench/venv) with numpy and scikit-learn. */
export async function ensureVenv(cacheDir: string): Promise<string> {
  const venv = join(cacheDir, 'venv');
  const python = join(venv, 'bin', 'python');
  const ready = async () =>
    existsSync(python) &&
    (await run(python, ['-c', 'import numpy, sklearn, threadpoolctl']).then(
      () => true,
      () => false,
    ));
  if (await ready()) return python;
  log(`creating ${venv} (pip install numpy scikit-learn)`);
  await run(process.env.BENCH_PYTHON ?? 'python3', ['-m', 'venv', venv], { timeout: 300_000 });
  await run(python, ['-m', 'pip', 'install', '--quiet', 'numpy', 'scikit-learn'], {
    timeout: 1_200_000,
  });
  if (!(await ready())) throw new Error(`could not set up ${venv}`);
  return python;
}

/**
 * Runs a script of bench/python and parses the JSON it prints last. OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE, set on some machines to work around old OpenBLAS builds, are removed for
 * this command only (they slow a current numpy); the script reports the BLAS it ran.
 */
export async function runPython<T>(python: string, script: string, args: string[]): Promise<T> {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const { stdout } = await run(python, [script, ...args], {
    env,
    timeout: 3_600_000,
    maxBuffer: 64 * 2 ** 20,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as T;
}
