import { spawn, type ChildProcess } from 'node:child_process';
import { assertLoopback } from './loopback.js';

export interface GatewayProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface GatewayEnv {
  elasticsearchUrl: string;
  indexPrefix: string;
  rerankDepth?: number;
  probes?: number;
  /** Extra LSHQL_* settings. */
  extra?: Record<string, string>;
}

/**
 * Starts the real gateway (`node --import tsx src/main.ts`) as a child process on a free port of
 * 127.0.0.1, so the load generator in this process never shares the gateway's event loop.
 */
export async function startGatewayProcess(
  repoDir: string,
  env: GatewayEnv,
): Promise<GatewayProcess> {
  // A larger young generation, as the Dockerfile and `npm start` run the gateway.
  const args = ['--max-semi-space-size=32', '--import', 'tsx', 'src/main.ts'];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: repoDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: '0',
      ELASTICSEARCH_URL: assertLoopback(env.elasticsearchUrl),
      LSHQL_INDEX_PREFIX: env.indexPrefix,
      LSHQL_INGEST_REFRESH: 'false',
      LSHQL_RERANK_DEPTH: String(env.rerankDepth ?? 10_000),
      LSHQL_PROBES: String(env.probes ?? 1),
      LSHQL_ES_TIMEOUT_MS: '60000',
      ...env.extra,
    },
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start in 60 s:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphQL:\s+(http:\/\/[^\s]+)\/graphql/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with code ${code} before it was up:\n${output}`));
    });
  });
  child.removeAllListeners('exit');
  // Keep draining its output so the pipe never blocks it; show warnings and errors.
  child.stdout?.removeAllListeners('data');
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    // Fastify logs JSON lines to stdout: pass on warnings and errors (level ≥ 40).
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const level = /"level":(\d+)/.exec(line);
      if (level && Number(level[1]) >= 40)
        process.stderr.write(`[gateway] ${line.slice(0, 2000)}\n`);
    }
  });
  child.stderr?.removeAllListeners('data');
  child.stderr?.on('data', (chunk: Buffer) =>
    process.stderr.write(`[gateway] ${chunk.toString()}`),
  );
  return {
    url: assertLoopback(url),
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface GraphqlAnswer<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** POSTs one GraphQL operation; throws on HTTP or GraphQL errors. */
export async function graphql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphqlAnswer<T>;
  if (body.errors?.length) {
    const e = body.errors[0]!;
    throw new Error(`GraphQL error ${e.extensions?.code ?? ''}: ${e.message}`);
  }
  if (!response.ok || !body.data) throw new Error(`HTTP ${response.status}`);
  return body.data;
}
