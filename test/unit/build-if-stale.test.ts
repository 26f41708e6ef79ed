import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIfStale, isStale, type BuildStep } from '../../scripts/build-if-stale.mjs';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'lshql-build-'));
  await mkdir(join(root, 'src', 'sub'), { recursive: true });
  await writeFile(join(root, 'src', 'sub', 'a.ts'), 'export {};\n');
  await writeFile(join(root, 'tsconfig.json'), '{}\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const step: BuildStep = {
  name: 'server',
  inputs: ['src', 'tsconfig.json', 'missing-file'],
  stamp: 'dist/.build-server',
  command: ['build'],
};

/** Sets a path's modification time to `seconds` after the epoch. */
const touch = (path: string, seconds: number) => utimes(join(root, path), seconds, seconds);

describe('npm start: build only what changed', () => {
  it('builds when nothing was built, then not again until a source changes', () => {
    const runs: string[][] = [];
    const run = (command: string[]) => (runs.push(command), 0);
    expect(buildIfStale(root, [step], run)).toEqual(['server']);
    expect(buildIfStale(root, [step], run)).toEqual([]);
    expect(runs).toEqual([['build']]);
  });

  it('is stale when a file deep in an input folder, or an input file, is newer than the stamp', async () => {
    buildIfStale(root, [step], () => 0);
    const old = Date.now() / 1000 - 3600;
    for (const path of ['src/sub/a.ts', 'src/sub', 'src', 'tsconfig.json']) await touch(path, old);
    await touch(step.stamp, old + 10);
    expect(isStale(step, root)).toBe(false);

    await touch('src/sub/a.ts', old + 20);
    expect(isStale(step, root)).toBe(true);
    await touch('src/sub/a.ts', old);
    await touch('tsconfig.json', old + 20);
    expect(isStale(step, root)).toBe(true);
  });

  it('leaves no stamp when the build fails, so the next start tries again', () => {
    expect(() => buildIfStale(root, [step], () => 2)).toThrow(/building server failed/);
    expect(isStale(step, root)).toBe(true);
  });
});
