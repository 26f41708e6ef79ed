// `npm start`'s build step: builds the server (tsc) and the GraphiQL page (vite) only when their
// sources changed since the last successful build, so a second `npm start` starts at once.
// Plain JavaScript, so it runs before anything is compiled and without a TypeScript loader.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

/** The build steps: what each reads, the stamp written after it succeeds, what it runs. */
export const BUILD_STEPS = [
  {
    name: 'server',
    inputs: ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
    stamp: 'dist/.build-server',
    command: ['npm', 'run', '--silent', 'build:server'],
  },
  {
    name: 'GraphiQL',
    inputs: ['web', 'vite.config.ts', 'package-lock.json'],
    stamp: 'dist/.build-graphiql',
    command: ['npm', 'run', '--silent', 'build:graphiql'],
  },
];

/** The newest modification time (ms) of the files at or under `path`; 0 when there are none. */
export function newestMtime(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted or renamed file changes its folder's time
  for (const entry of readdirSync(path)) {
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/** True when the step never succeeded here or one of its inputs changed since. */
export function isStale(step, root) {
  const built = newestMtime(join(root, step.stamp));
  if (built === 0) return true;
  return step.inputs.some((input) => newestMtime(join(root, input)) > built);
}

/**
 * Runs each stale step (`run` returns the exit status) and stamps it; returns the names built.
 * Stops at the first failure with its status.
 */
export function buildIfStale(root, steps = BUILD_STEPS, run = runCommand) {
  const built = [];
  for (const step of steps) {
    if (!isStale(step, root)) continue;
    process.stderr.write(`building ${step.name} (sources changed since the last build)\n`);
    const startedAt = new Date();
    const status = run(step.command, root);
    if (status !== 0) {
      const error = new Error(`building ${step.name} failed (exit status ${status})`);
      error.status = status;
      throw error;
    }
    mkdirSync(join(root, step.stamp, '..'), { recursive: true });
    // Stamped with the start time: a source saved while the build ran counts as changed.
    writeFileSync(join(root, step.stamp), `${startedAt.toISOString()}\n`);
    utimesSync(join(root, step.stamp), startedAt, startedAt);
    built.push(step.name);
  }
  return built;
}

function runCommand([command, ...args], cwd) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  return result.status ?? 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    buildIfStale(resolve(fileURLToPath(import.meta.url), '..', '..'));
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(typeof error?.status === 'number' ? error.status : 1);
  }
}
