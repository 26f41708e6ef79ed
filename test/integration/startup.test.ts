import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_DIR, spawnGateway, type ChildGateway } from '../support/child-gateway.js';

let gateway: ChildGateway | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  gateway?.kill();
  await gateway?.exited;
  gateway = undefined;
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  blocker = undefined;
});

/** Runs `src/main.ts` until it exits by itself; its exit code and everything it printed. */
function runGateway(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('gateway start-up', () => {
  it('finds a busy port before loading the demo, and names PORT', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    if (!address || typeof address === 'string') throw new Error('no address');

    const run = await runGateway({ HOST: '127.0.0.1', PORT: String(address.port) });
    expect(run.code).toBe(1);
    expect(run.output).toContain(`Port ${address.port} on 127.0.0.1 is already in use`);
    expect(run.output).toContain('set PORT to a free port');
    // Nothing was loaded or trained first, and no stack trace.
    expect(run.output).not.toContain('demo items');
    expect(run.output).not.toMatch(/^\s+at /m);
  });

  it('says in its banner that the embedded backend keeps nothing without LSHQL_EMBEDDED_FILE', async () => {
    gateway = await spawnGateway({ LSHQL_DEMO_DATA: 'false', LOG_LEVEL: 'warn' });
    expect(gateway.output()).toContain('in memory only: nothing persists after the gateway stops');
    expect(gateway.output()).toContain('Set LSHQL_EMBEDDED_FILE=<path> to keep it');
  });

  it('names the file in its banner when LSHQL_EMBEDDED_FILE is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lshql-banner-'));
    try {
      const file = join(dir, 'store.jsonl');
      gateway = await spawnGateway({
        LSHQL_DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        LSHQL_EMBEDDED_FILE: file,
      });
      expect(gateway.output()).toContain(`Data:     saved to ${file}`);
      expect(gateway.output()).not.toContain('nothing persists');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
