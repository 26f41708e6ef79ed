import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { exposesSdl } from '../config.js';
import { createContext, type GraphqlContext } from '../graphql/context.js';
import { buildSchema } from '../graphql/schema.js';
import type { Services } from '../services.js';
import { isAuthorized, presentedKey } from './api-key.js';
import { guardEntityRepresentations } from './entity-representations.js';
import { createErrorFormatter } from './error-format.js';
import { registerGraphiql, type GraphiqlTab } from './graphiql-route.js';
import { guardNesting } from './nesting-guard.js';
import { knownOperationTypesRule } from './known-operation-types-rule.js';
import { RequestLogController } from './request-logging.js';
import { hiddenServiceSdlRule } from './service-sdl-rule.js';
import type { GatewayMetrics } from './metrics.js';
import { operationLabeler } from './operation-label.js';
import { DEFAULT_OPERATION_LIMITS, operationProtection } from './operation-limits.js';

export interface AppOptions {
  services: Services;
  metrics: GatewayMetrics;
  /** Example operations preloaded in GraphiQL. */
  graphiqlTabs: GraphiqlTab[];
  /** Logger settings (default: LOG_LEVEL to stdout); `stream` redirects the lines. */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

function metricsPlugin(
  metrics: GatewayMetrics,
  label: (operationName: string | null | undefined) => string,
): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, errors }) {
          const operation = label(operationName);
          metrics.graphqlRequests.inc({ operation, outcome: errors?.length ? 'error' : 'ok' });
          metrics.graphqlDuration.observe(
            { operation },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
      };
    },
  };
}

/** Builds the HTTP app: GraphQL, GraphiQL, health, readiness and metrics. Not yet listening. */
export async function createApp(options: AppOptions): Promise<FastifyInstance> {
  const { services, metrics } = options;
  const production = services.config.NODE_ENV === 'production';
  const app = Fastify({
    logger: options.logger ?? { level: services.config.LOG_LEVEL },
    bodyLimit: options.bodyLimit ?? 8 * 1024 * 1024,
    // Errors and slow requests at the default level, the rest at debug, probes at trace.
    logController: new RequestLogController(services.config.LSHQL_SLOW_REQUEST_MS),
  });

  const armor = operationProtection(DEFAULT_OPERATION_LIMITS);
  const apollo = new ApolloServer<GraphqlContext>({
    // Item is the one entity type (`@key(fields: "id")`).
    schema: guardEntityRepresentations(buildSchema(), { Item: ['id'] }),
    validationRules: [
      knownOperationTypesRule,
      ...(exposesSdl(services.config) ? [] : [hiddenServiceSdlRule]),
      ...armor.validationRules,
    ],
    parseOptions: armor.parseOptions,
    allowBatchedHttpRequests: false,
    logger: app.log,
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // The GraphiQL page at /graphiql replaces Apollo's landing page, which loads from a CDN.
    plugins: [
      // Armor ships CommonJS typings of Apollo's types: same objects, different declarations.
      ...(armor.plugins as unknown as ApolloServerPlugin<GraphqlContext>[]),
      fastifyApolloDrainPlugin(app),
      ApolloServerPluginLandingPageDisabled(),
      // No type or field has a cache hint: the default cache-control plugin would only add a
      // hook to every resolved field of every request.
      ApolloServerPluginCacheControlDisabled(),
      metricsPlugin(metrics, operationLabeler(services.config.LSHQL_METRICS_OPERATIONS)),
    ],
    formatError: createErrorFormatter({
      exposeInternals: false,
      hideSuggestions: production,
      onInternalError: (error) => app.log.error({ err: error }, 'unexpected error in a resolver'),
    }),
  });
  await apollo.start();

  guardNesting(app, '/graphql');
  await app.register(fastifyApollo(apollo), {
    path: '/graphql',
    context: async (request) =>
      createContext(
        services,
        isAuthorized(services.config.LSHQL_API_KEY, presentedKey(request.headers)),
      ),
  });

  await registerGraphiql(app, { endpoint: '/graphql', tabs: options.graphiqlTabs });

  app.get('/', async (_request, reply) => reply.redirect('/graphiql'));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ready = await services.backend.isReady();
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'unavailable', backend: services.backend.kind });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  return app;
}
