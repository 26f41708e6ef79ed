import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { exposesSdl, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults to port 4000 and the embedded backend', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(4000);
    expect(config.ELASTICSEARCH_URL).toBeUndefined();
    expect(config.LSHQL_API_KEY).toBeUndefined();
  });

  it('reads and coerces variables', () => {
    const config = loadConfig({
      PORT: '8080',
      ELASTICSEARCH_URL: 'http://127.0.0.1:9200',
      LSHQL_ROTATE: 'false',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      ELASTICSEARCH_URL: 'http://127.0.0.1:9200',
      LSHQL_ROTATE: false,
    });
  });

  it('lays indexes out on 1 shard, 0 replicas unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ LSHQL_SHARDS: 1, LSHQL_REPLICAS: 0 });
    expect(loadConfig({ LSHQL_SHARDS: '3', LSHQL_REPLICAS: '2' })).toMatchObject({
      LSHQL_SHARDS: 3,
      LSHQL_REPLICAS: 2,
    });
    expect(() => loadConfig({ LSHQL_SHARDS: '0' })).toThrow(/LSHQL_SHARDS/);
    expect(() => loadConfig({ LSHQL_REPLICAS: '-1' })).toThrow(/LSHQL_REPLICAS/);
  });

  it('names every invalid variable in one error', () => {
    expect(() => loadConfig({ PORT: 'eighty', ELASTICSEARCH_URL: 'not a url' })).toThrow(
      /PORT[\s\S]*ELASTICSEARCH_URL|ELASTICSEARCH_URL[\s\S]*PORT/,
    );
  });

  it('reads the slow-request threshold, defaulting to 1000 ms', () => {
    expect(loadConfig({}).LSHQL_SLOW_REQUEST_MS).toBe(1000);
    expect(loadConfig({ LSHQL_SLOW_REQUEST_MS: '250' }).LSHQL_SLOW_REQUEST_MS).toBe(250);
    expect(() => loadConfig({ LSHQL_SLOW_REQUEST_MS: '-1' })).toThrow(/LSHQL_SLOW_REQUEST_MS/);
  });

  it('reads the metrics operation allowlist as GraphQL names', () => {
    expect(loadConfig({}).LSHQL_METRICS_OPERATIONS).toContain('Similar');
    expect(
      loadConfig({ LSHQL_METRICS_OPERATIONS: ' Dashboard, Nightly_2 ' }).LSHQL_METRICS_OPERATIONS,
    ).toEqual(['Dashboard', 'Nightly_2']);
    expect(loadConfig({ LSHQL_METRICS_OPERATIONS: '' }).LSHQL_METRICS_OPERATIONS).toEqual([]);
    expect(() => loadConfig({ LSHQL_METRICS_OPERATIONS: 'ok,not-a-name' })).toThrow(
      /LSHQL_METRICS_OPERATIONS/,
    );
  });

  it('exposes the SDL by default outside production only; LSHQL_EXPOSE_SDL decides when set', () => {
    expect(exposesSdl(loadConfig({}))).toBe(true);
    expect(exposesSdl(loadConfig({ NODE_ENV: 'production' }))).toBe(false);
    expect(exposesSdl(loadConfig({ NODE_ENV: 'production', LSHQL_EXPOSE_SDL: 'true' }))).toBe(true);
    expect(exposesSdl(loadConfig({ LSHQL_EXPOSE_SDL: 'false' }))).toBe(false);
    expect(() => loadConfig({ LSHQL_EXPOSE_SDL: 'yes' })).toThrow(/LSHQL_EXPOSE_SDL/);
  });

  it('runs one worker thread per core unless LSHQL_WORKERS says otherwise (0: none)', () => {
    expect(loadConfig({}).LSHQL_WORKERS).toBe(availableParallelism());
    expect(loadConfig({ LSHQL_WORKERS: '3' }).LSHQL_WORKERS).toBe(3);
    expect(loadConfig({ LSHQL_WORKERS: '0' }).LSHQL_WORKERS).toBe(0);
    expect(() => loadConfig({ LSHQL_WORKERS: '-1' })).toThrow(/LSHQL_WORKERS/);
    expect(() => loadConfig({ LSHQL_WORKERS: 'two' })).toThrow(/LSHQL_WORKERS/);
  });
});
