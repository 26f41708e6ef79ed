import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one gateway process, served at /metrics. */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly graphqlRequests = new Counter({
    name: 'lshql_graphql_requests_total',
    help: 'GraphQL operations answered, by operation (an allowlisted name, anonymous or other) and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly graphqlDuration = new Histogram({
    name: 'lshql_graphql_request_duration_seconds',
    help: 'Time to answer a GraphQL operation, by operation (an allowlisted name, anonymous or other).',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly backendDuration = new Histogram({
    name: 'lshql_backend_request_duration_seconds',
    help: 'Time of each search backend request, by kind of request.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'lshql_' });
  }

  observeBackend = (operation: string, seconds: number): void => {
    this.backendDuration.observe({ operation }, seconds);
  };
}
