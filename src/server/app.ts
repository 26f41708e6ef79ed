import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { createContext, type GraphqlContext } from '../graphql/context.js';
import { buildSchema } from '../graphql/schema.js';
import type { Services } from '../services.js';
import { isAuthorized, presentedKey } from './api-key.js';
import { guardEntityRepresentations } from './entity-representations.js';
import { createErrorFormatter } from './error-format.js';
import { registerGraphiql, type GraphiqlTab } from './graphiql-route.js';
import { knownOperationTypesRule } from './known-operation-types-rule.js';
import type { GatewayMetrics } from './metrics.js';
import { DEFAULT_OPERATION_LIMITS, operationProtection } from './operation-limits.js';

export interface AppOptions {
  services: Services;
  metrics: GatewayMetrics;
  /** Example operations preloaded in GraphiQL. */
  graphiqlTabs: GraphiqlTab[];
  logger?: boolean | { level: string };
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

function metricsPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GraphqlContext> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, errors }) {
          const operation = operationName ?? 'anonymous';
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
  });
  // After the requests in flight: stop the worker threads with the server.
  app.addHook('onClose', async () => {
    await services.compute.close();
  });

  const armor = operationProtection(DEFAULT_OPERATION_LIMITS);
  const apollo = new ApolloServer<GraphqlContext>({
    // Item is the one entity type (`@key(fields: "id")`).
    schema: guardEntityRepresentations(buildSchema(), { Item: ['id'] }),
    validationRules: [knownOperationTypesRule, ...armor.validationRules],
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
      metricsPlugin(metrics),
    ],
    formatError: createErrorFormatter({
      exposeInternals: false,
      hideSuggestions: production,
      onInternalError: (error) => app.log.error({ err: error }, 'unexpected error in a resolver'),
    }),
  });
  await apollo.start();

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
