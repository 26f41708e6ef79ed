import { MODALITIES } from './domain/modalities.js';
import { loadConfig, type Config } from './config.js';
import { loadDemoData } from './demo/demo-data.js';
import { createBackend } from './search/create-backend.js';
import { createApp } from './server/app.js';
import { buildGraphiqlTabs } from './server/graphiql-examples.js';
import { GatewayMetrics } from './server/metrics.js';
import { assertPortAvailable, portErrorMessage } from './server/port-check.js';
import { createServices } from './services.js';

/** Where the data lives, for the start banner: the embedded backend keeps it only with a file. */
function storageNote(config: Config, kind: string): string[] {
  if (kind !== 'embedded') return [];
  if (config.LSHQL_EMBEDDED_FILE) return [`  Data:     saved to ${config.LSHQL_EMBEDDED_FILE}`];
  return [
    '  Data:     in memory only: nothing persists after the gateway stops.',
    '            Set LSHQL_EMBEDDED_FILE=<path> to keep it, or ELASTICSEARCH_URL to use Elasticsearch.',
  ];
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Before loading and training the demo: a busy port is found in a moment, not after it.
  await assertPortAvailable(config.HOST, config.PORT);
  const metrics = new GatewayMetrics();
  const backend = createBackend(config, metrics.observeBackend);
  await backend.init();
  const services = createServices(config, backend);
  // A carry-over an earlier activation left pending: finished now, in the background.
  services.training.finishPendingCarryOver().then(
    (finished) => {
      if (finished) console.log('Finished a carry-over an earlier activation left pending.');
    },
    (error: unknown) =>
      console.error(
        `Finishing a pending carry-over failed (the next activation tries again): ${error instanceof Error ? error.message : String(error)}`,
      ),
  );

  if (backend.kind === 'embedded' && config.LSHQL_DEMO_DATA && (await backend.countItems()) === 0) {
    const count = await loadDemoData(services);
    console.log(`Loaded ${count} demo items and trained the ${MODALITIES.join(' and ')} models.`);
  }

  const app = await createApp({
    services,
    metrics,
    graphiqlTabs: await buildGraphiqlTabs(backend),
  });
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (error) {
    // Taken meanwhile by another process.
    throw new Error(portErrorMessage(config.HOST, config.PORT, error));
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const base = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  console.log(
    [
      `lshql is up (${backend.kind} backend${config.ELASTICSEARCH_URL ? ` at ${config.ELASTICSEARCH_URL}` : ''}).`,
      `  GraphQL:  ${base}/graphql`,
      `  GraphiQL: ${base}/graphiql`,
      `  Health:   ${base}/healthz  ${base}/readyz  ${base}/metrics`,
      ...storageNote(config, backend.kind),
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    // Fastify stops accepting connections and waits for requests in flight (Apollo drains too).
    await app.close();
    // A training job started here runs to its end (its record would otherwise read FAILED); it
    // needs the worker pool, which stops only then.
    await services.jobs.drain();
    await services.compute.close();
    await backend.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
