import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as {
  services: Record<string, ComposeService>;
};
const env = (service: ComposeService) =>
  Object.fromEntries((service.environment ?? []).map((e) => e.split('=', 2) as [string, string]));

// No Docker engine runs here: these checks keep the compose wiring honest by reading it.
describe('docker-compose.yml', () => {
  const es = compose.services.elasticsearch!;
  const gateway = compose.services.gateway!;

  it('pins the Elasticsearch image to the version the tests run', () => {
    const version = /ES_VERSION=(\S+)/.exec(readFileSync('scripts/elasticsearch.env', 'utf8'))![1];
    expect(es.image).toBe(`docker.elastic.co/elasticsearch/elasticsearch:${version}`);
    expect(env(es)).toMatchObject({
      'discovery.type': 'single-node',
      'xpack.security.enabled': 'false',
    });
    expect(es.healthcheck?.test.join(' ')).toContain('_cluster/health');
  });

  it('points the gateway at the Elasticsearch service and waits until it is healthy', () => {
    const gatewayEnv = env(gateway);
    expect(new URL(gatewayEnv.ELASTICSEARCH_URL!).hostname).toBe('elasticsearch');
    expect(new URL(gatewayEnv.ELASTICSEARCH_URL!).port).toBe('9200');
    expect(gateway.depends_on?.elasticsearch?.condition).toBe('service_healthy');
    expect(gateway.healthcheck?.test.join(' ')).toContain('/readyz');
    expect(gateway.build).toBe('.');
    // The gateway's environment is a valid configuration.
    expect(() => loadConfig(gatewayEnv)).not.toThrow();
    expect(gateway.ports).toContain(`127.0.0.1:${gatewayEnv.PORT}:${gatewayEnv.PORT}`);
  });

  it('builds the gateway from a Dockerfile that runs the compiled server', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('npm run build');
    expect(dockerfile).toContain('CMD ["node", "--max-semi-space-size=32", "dist/src/main.js"]');
  });
});
