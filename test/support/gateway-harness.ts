import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import type { SearchBackend } from '../../src/search/backend.js';
import { createBackend } from '../../src/search/create-backend.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { createApp, type AppOptions } from '../../src/server/app.js';
import type { GraphiqlTab } from '../../src/server/graphiql-route.js';
import { GatewayMetrics } from '../../src/server/metrics.js';
import { createServices, type Services } from '../../src/services.js';

export type BackendKind = 'embedded' | 'elasticsearch';

/** The Elasticsearch the tests use; `npm test` starts one and sets ELASTICSEARCH_URL. */
export function elasticsearchUrl(): string {
  const url = process.env.ELASTICSEARCH_URL;
  if (!url) {
    throw new Error(
      'ELASTICSEARCH_URL is not set: run the integration tests through `npm test`, which starts Elasticsearch.',
    );
  }
  return url;
}

export interface GraphqlResponse<T> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[];
}

export interface Gateway {
  url: string;
  app: FastifyInstance;
  config: Config;
  services: Services;
  backend: SearchBackend;
  /** Backend requests made so far, by operation name (mget, similar, bulk, ...). */
  calls: string[];
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphqlResponse<T>>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  backend: BackendKind;
  /** Index prefix; a fresh one by default so tests never see each other's data. */
  prefix?: string;
  env?: Record<string, string>;
  /** Delete this gateway's indexes on close (default: true for a fresh prefix). */
  cleanup?: boolean;
  /**
   * Example operations preloaded in GraphiQL (none by default). A function is called once the
   * backend is ready and before the app is built, so it can store data first (like `npm start`).
   */
  graphiqlTabs?:
    GraphiqlTab[] | ((services: Services, backend: SearchBackend) => Promise<GraphiqlTab[]>);
  /** Logger settings for the app (default: no logging). */
  logger?: AppOptions['logger'];
}

export function freshPrefix(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

/** A real gateway on 127.0.0.1 over a real backend, spoken to over HTTP. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const prefix = options.prefix ?? freshPrefix();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    LSHQL_INDEX_PREFIX: prefix,
    ...(options.backend === 'elasticsearch' ? { ELASTICSEARCH_URL: elasticsearchUrl() } : {}),
    ...options.env,
  });
  const calls: string[] = [];
  const metrics = new GatewayMetrics();
  const backend = createBackend(config, (operation, seconds) => {
    calls.push(operation);
    metrics.observeBackend(operation, seconds);
  });
  await backend.init();
  const services = createServices(config, backend);
  const graphiqlTabs =
    typeof options.graphiqlTabs === 'function'
      ? await options.graphiqlTabs(services, backend)
      : (options.graphiqlTabs ?? []);
  const app = await createApp({
    services,
    metrics,
    graphiqlTabs,
    logger: options.logger ?? false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const cleanup = options.cleanup ?? options.prefix === undefined;
  return {
    url,
    app,
    config,
    services,
    backend,
    calls,
    async gql(query, variables, headers) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as Omit<GraphqlResponse<never>, 'status'>;
      return { status: response.status, ...body } as GraphqlResponse<never>;
    },
    async close() {
      await app.close();
      await services.jobs.drain();
      await services.compute.close();
      if (cleanup && backend instanceof ElasticsearchBackend) {
        // Wildcard deletes are refused by default (action.destructive_requires_name): name them.
        const indexes = Object.keys(await backend.client.indices.get({ index: `${prefix}-*` }));
        if (indexes.length > 0) await backend.client.indices.delete({ index: indexes });
      }
      await backend.close();
    },
  };
}

/** The first error's code, for asserting on failures. */
export function errorCode(response: GraphqlResponse<unknown>): string | undefined {
  return response.errors?.[0]?.extensions?.code;
}
