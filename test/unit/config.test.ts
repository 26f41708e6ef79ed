import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../src/config.js';

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

  it('names every invalid variable in one error', () => {
    expect(() => loadConfig({ PORT: 'eighty', ELASTICSEARCH_URL: 'not a url' })).toThrow(
      /PORT[\s\S]*ELASTICSEARCH_URL|ELASTICSEARCH_URL[\s\S]*PORT/,
    );
  });

  it('runs one worker thread per core unless LSHQL_WORKERS says otherwise (0: none)', () => {
    expect(loadConfig({}).LSHQL_WORKERS).toBe(availableParallelism());
    expect(loadConfig({ LSHQL_WORKERS: '3' }).LSHQL_WORKERS).toBe(3);
    expect(loadConfig({ LSHQL_WORKERS: '0' }).LSHQL_WORKERS).toBe(0);
    expect(() => loadConfig({ LSHQL_WORKERS: '-1' })).toThrow(/LSHQL_WORKERS/);
    expect(() => loadConfig({ LSHQL_WORKERS: 'two' })).toThrow(/LSHQL_WORKERS/);
  });
});
