import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSyntheticItems } from '../../src/demo/synthetic-items.js';
import { spawnGateway, type ChildGateway } from '../support/child-gateway.js';
import { INGEST } from '../support/operations.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when a TCP connection to the port is refused; fails if one is accepted. */
function connectionOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a POST of `body` and sends only its first `sentBytes`; `finish()` sends the rest.
 * The request is in flight from the gateway's point of view until then.
 */
function startPost(url: string, body: Buffer, sentBytes: number) {
  const target = new URL('/graphql', url);
  let resolveAnswer: (answer: { status: number; text: string }) => void;
  let rejectAnswer: (error: Error) => void;
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    resolveAnswer = resolve;
    rejectAnswer = reject;
  });
  const req = request(
    {
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    },
    (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolveAnswer({
          status: response.statusCode ?? 0,
          text: Buffer.concat(chunks).toString(),
        }),
      );
    },
  );
  req.on('error', (error) => rejectAnswer(error));
  req.write(body.subarray(0, sentBytes));
  return {
    answer,
    finish: () => req.end(body.subarray(sentBytes)),
  };
}

describe('graceful shutdown of the gateway process', () => {
  let gateway: ChildGateway | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    gateway?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'on SIGTERM finishes the ingest in flight, refuses new connections, persists and exits 0',
    { timeout: 90_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), 'lshql-shutdown-'));
      const file = join(dir, 'items.jsonl');
      gateway = await spawnGateway({
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        LSHQL_DEMO_DATA: 'false',
        // The embedded backend writes this file on close: it shows what was stored at exit.
        LSHQL_EMBEDDED_FILE: file,
      });

      const items = generateSyntheticItems({
        count: 1000,
        seed: 5,
        imageDim: 512,
        textDim: 8,
        topics: 10,
        subtopics: 4,
        noise: 0.6,
      }).map(({ id, title, text, tags, imageVector }) => ({ id, title, text, tags, imageVector }));
      const body = Buffer.from(JSON.stringify({ query: INGEST, variables: { items } }));
      expect(body.length).toBeGreaterThan(2 * 1024 * 1024);

      // The request is in flight: headers and half of its body have arrived.
      const inFlight = startPost(gateway.url, body, body.length >> 1);
      await sleep(300);
      const signalled = performance.now();
      gateway.child.kill('SIGTERM');
      const output = gateway.output;
      await withTimeout(
        (async () => {
          while (!output().includes('shutting down')) await sleep(20);
        })(),
        5000,
        'the shutdown log line',
      );
      await sleep(200);

      // New connections are refused while the request in flight is still open.
      expect(await connectionOutcome(gateway.port)).toBe('ECONNREFUSED');
      expect(gateway.child.exitCode).toBeNull();

      // The rest of the body arrives; the request completes with its full result.
      inFlight.finish();
      const answer = await withTimeout(inFlight.answer, 30_000, 'the request in flight');
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({
        data: { ingestItems: { indexed: 1000, failed: [] } },
      });

      const exit = await withTimeout(gateway.exited, 15_000, 'the exit');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalled).toBeLessThan(15_000);
      expect(await connectionOutcome(gateway.port)).toBe('ECONNREFUSED');

      // Everything the completed request stored was persisted before the exit.
      const header = JSON.parse((await readFile(file, 'utf8')).split('\n', 1)[0]!) as {
        items: number;
      };
      expect(header.items).toBe(1000);
    },
  );

  it(
    'on SIGTERM with no request in flight exits 0 at once, idle keep-alive connections included',
    { timeout: 60_000 },
    async () => {
      gateway = await spawnGateway({ LOG_LEVEL: 'warn', LSHQL_DEMO_DATA: 'false' });
      // A keep-alive connection that stays open and idle after its request.
      const socket = connect({ host: '127.0.0.1', port: gateway.port });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const answered = new Promise<string>((resolve) =>
        socket.once('data', (d) => resolve(String(d))),
      );
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      expect(await answered).toMatch(/^HTTP\/1\.1 200/);

      const signalled = performance.now();
      gateway.child.kill('SIGTERM');
      const exit = await withTimeout(gateway.exited, 10_000, 'the exit');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalled).toBeLessThan(5000);
      socket.destroy();
    },
  );

  it(
    'on SIGTERM does not wait for a stalled client for ever: exits 0 after the drain grace period',
    { timeout: 60_000 },
    async () => {
      gateway = await spawnGateway({ LOG_LEVEL: 'warn', LSHQL_DEMO_DATA: 'false' });
      // A request whose body never arrives: it stays in flight until the gateway gives up.
      const socket = connect({ host: '127.0.0.1', port: gateway.port });
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.on('error', () => undefined);
      socket.write(
        'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          'Content-Length: 1000\r\n\r\n{"query":',
      );
      await sleep(300);
      const signalled = performance.now();
      gateway.child.kill('SIGTERM');
      // Apollo's drain plugin (fastifyApolloDrainPlugin) closes what is left after 10 s.
      const exit = await withTimeout(gateway.exited, 20_000, 'the exit');
      expect(exit).toEqual({ code: 0, signal: null });
      expect(performance.now() - signalled).toBeLessThan(15_000);
      socket.destroy();
    },
  );
});
