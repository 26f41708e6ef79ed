import { describe, expect, it } from 'vitest';
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
});
