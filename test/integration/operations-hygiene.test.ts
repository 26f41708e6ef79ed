import { afterEach, describe, expect, it } from 'vitest';
import { errorCode, startGateway, type Gateway } from '../support/gateway-harness.js';

let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** The series of one metric in a /metrics text, by their label sets. */
async function seriesOf(url: string, metric: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith(`${metric}{`));
}

describe('/metrics labels', () => {
  it('stay bounded when clients send 1,000 made-up operation names', async () => {
    gateway = await startGateway({ backend: 'embedded' });
    const names = Array.from(
      { length: 1000 },
      (_, i) => `Random${i}x${Math.random().toString(36).slice(2, 10)}`,
    );
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(
        names
          .slice(i, i + 50)
          .map((name) => gateway!.gql(`query ${name} { lshModels { version } }`)),
      );
    }
    // Two allowlisted names and an anonymous operation keep labels of their own.
    await gateway.gql('query Models { lshModels { version } }');
    await gateway.gql('query Similar { lshModels { version } }');
    await gateway.gql('{ lshModels { version } }');

    const requests = await seriesOf(gateway.url, 'lshql_graphql_requests_total');
    expect(requests.sort()).toEqual([
      'lshql_graphql_requests_total{operation="Models",outcome="ok"} 1',
      'lshql_graphql_requests_total{operation="Similar",outcome="ok"} 1',
      'lshql_graphql_requests_total{operation="anonymous",outcome="ok"} 1',
      'lshql_graphql_requests_total{operation="other",outcome="ok"} 1000',
    ]);
    const counts = await seriesOf(gateway.url, 'lshql_graphql_request_duration_seconds_count');
    expect(counts).toHaveLength(3 + 1);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).not.toContain('Random');
  });

  it('use the names LSHQL_METRICS_OPERATIONS lists instead of the default ones', async () => {
    gateway = await startGateway({
      backend: 'embedded',
      env: { LSHQL_METRICS_OPERATIONS: 'Dashboard, Nightly' },
    });
    await gateway.gql('query Dashboard { lshModels { version } }');
    await gateway.gql('query Models { lshModels { version } }');
    const requests = await seriesOf(gateway.url, 'lshql_graphql_requests_total');
    expect(requests.sort()).toEqual([
      'lshql_graphql_requests_total{operation="Dashboard",outcome="ok"} 1',
      'lshql_graphql_requests_total{operation="other",outcome="ok"} 1',
    ]);
  });
});

/** A gateway whose log lines are collected as parsed JSON. */
async function loggingGateway(env: Record<string, string>, level: string) {
  const lines: { level: number; msg: string; url?: string; statusCode?: number }[] = [];
  gateway = await startGateway({
    backend: 'embedded',
    env,
    logger: { level, stream: { write: (line: string) => void lines.push(JSON.parse(line)) } },
  });
  return lines;
}

async function someRequests(g: Gateway): Promise<void> {
  await fetch(`${g.url}/healthz`);
  await fetch(`${g.url}/readyz`);
  await fetch(`${g.url}/metrics`);
  const response = await g.gql('query Models { lshModels { version } }');
  expect(response.errors).toBeUndefined();
}

const WARN = 40;
const DEBUG = 20;

describe('request logs', () => {
  it('at the default level: nothing for fast requests and health checks', async () => {
    const lines = await loggingGateway({}, 'info');
    await someRequests(gateway!);
    expect(lines.filter((l) => l.url !== undefined)).toEqual([]);
  });

  it('log slow requests at warn (LSHQL_SLOW_REQUEST_MS), never health checks', async () => {
    // A threshold of 0 ms makes every request slow.
    const lines = await loggingGateway({ LSHQL_SLOW_REQUEST_MS: '0' }, 'info');
    await someRequests(gateway!);
    const logged = lines.filter((l) => l.url !== undefined);
    expect(logged.map((l) => [l.level, l.msg, l.url, l.statusCode])).toEqual([
      [WARN, 'slow request', '/graphql', 200],
    ]);
  });

  it('log every request but health checks at LOG_LEVEL=debug', async () => {
    const lines = await loggingGateway({}, 'debug');
    await someRequests(gateway!);
    await fetch(`${gateway!.url}/no-such-page`);
    const logged = lines.filter((l) => l.url !== undefined);
    expect(logged.map((l) => [l.level, l.url, l.statusCode])).toEqual([
      [DEBUG, '/graphql', 200],
      [DEBUG, '/no-such-page', 404],
    ]);
  });
});

const SDL = '{ _service { sdl } }';

describe('_service { sdl }', () => {
  it('answers by default outside production (a router can compose from it)', async () => {
    gateway = await startGateway({ backend: 'embedded', env: { NODE_ENV: 'development' } });
    const response = await gateway.gql<{ _service: { sdl: string } }>(SDL);
    expect(response.data?._service.sdl).toContain('type Item');
  });

  it('is refused by default in production, with a code and the setting to change', async () => {
    gateway = await startGateway({ backend: 'embedded', env: { NODE_ENV: 'production' } });
    for (const query of [
      SDL,
      '{ schema: _service { sdl } }',
      '{ ...F } fragment F on Query { _service { sdl } }',
    ]) {
      const response = await gateway.gql(query);
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(response.errors?.[0]?.message).toContain('LSHQL_EXPOSE_SDL=true');
      expect(JSON.stringify(response)).not.toContain('type Item');
    }
    // Other queries still work.
    expect((await gateway.gql('{ lshModels { version } }')).data).toEqual({ lshModels: [] });
  });

  it('answers in production when LSHQL_EXPOSE_SDL=true, and not in development when false', async () => {
    gateway = await startGateway({
      backend: 'embedded',
      env: { NODE_ENV: 'production', LSHQL_EXPOSE_SDL: 'true' },
    });
    const on = await gateway.gql<{ _service: { sdl: string } }>(SDL);
    expect(on.data?._service.sdl).toContain('type Item');
    await gateway.close();

    gateway = await startGateway({
      backend: 'embedded',
      env: { NODE_ENV: 'development', LSHQL_EXPOSE_SDL: 'false' },
    });
    expect(errorCode(await gateway.gql(SDL))).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
