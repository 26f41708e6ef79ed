import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/child-gateway.ts). */
export const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ChildGateway {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the gateway printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process if it is still running (clean-up after a failed test). */
  kill(): void;
}

/**
 * Starts the real gateway, `node --import tsx src/main.ts`, as a child process on a free port of
 * 127.0.0.1 (PORT=0; the URL is read from what main prints) with only the given environment
 * (plus PATH and HOME), and waits until it is up.
 */
export async function spawnGateway(
  env: Record<string, string>,
  startTimeoutMs = 60_000,
): Promise<ChildGateway> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the gateway did not start in ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    const poll = setInterval(() => {
      const match = /GraphQL:\s+(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(match[1]!);
      }
    }, 20);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`the gateway exited (${code ?? signal}) before it was up:\n${output}`));
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    child,
    output: () => output,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
