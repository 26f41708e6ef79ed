import { Client, Transport, errors } from '@elastic/elasticsearch';
import { ErrorCode, LshqlError } from '../../domain/errors.js';

/**
 * After a transport failure, requests fail at once with BACKEND_UNAVAILABLE for this long
 * instead of each waiting for its own timeout (and retries); the first request after it tries
 * the cluster again. Long enough to shed a burst of requests, short enough to notice recovery.
 */
export const UNAVAILABLE_COOLDOWN_MS = 1000;

export interface TransportOptions {
  url: string;
  requestTimeoutMs: number;
  maxRetries: number;
  /** Called with every request's duration, for metrics. */
  onRequest?: (operation: string, seconds: number) => void;
}

/** Failures that say the cluster is down, unreachable or overloaded (not a bad request). */
function isUnavailable(error: unknown): boolean {
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    (error instanceof errors.ResponseError && [429, 502, 503, 504].includes(error.statusCode ?? 0))
  );
}

function unavailableError(): LshqlError {
  return new LshqlError(
    ErrorCode.BACKEND_UNAVAILABLE,
    'Elasticsearch is unreachable or overloaded; retry shortly.',
  );
}

/** Short exponential backoff with jitter between retries: ~0.1 s, ~0.2 s, ~0.4 s … */
function retryBackoff(_min: number, _max: number, attempt: number): number {
  const base = Math.min(2, 0.05 * 2 ** attempt);
  return base + Math.random() * base;
}

/**
 * The client's transport with a shorter retry backoff: its default waits 1–2 s, then 2–4 s,
 * which turns a dead cluster into multi-second stalls instead of a quick BACKEND_UNAVAILABLE.
 * Its OpenTelemetry spans are off unless OTEL_ELASTICSEARCH_ENABLED asks for them: the gateway
 * registers no tracer, and wrapping every request in a (no-op) span still cost CPU per request.
 */
class ShortBackoffTransport extends Transport {
  constructor(options: ConstructorParameters<typeof Transport>[0]) {
    const otel = process.env.OTEL_ELASTICSEARCH_ENABLED;
    super({
      ...options,
      retryBackoff,
      openTelemetry: { enabled: otel !== undefined && otel.toLowerCase() !== 'false' },
    });
  }
}

/** The client, and every request through `call`: timed, failures mapped, fail-fast cooldown. */
export class ResilientTransport {
  readonly client: Client;
  private unavailableUntil = 0;

  constructor(private readonly options: TransportOptions) {
    this.client = new Client({
      node: options.url,
      requestTimeout: options.requestTimeoutMs,
      maxRetries: options.maxRetries,
      Transport: ShortBackoffTransport,
    });
  }

  /**
   * Runs one request, timing it. Transport failures become BACKEND_UNAVAILABLE and open a short
   * cooldown during which requests fail fast; the first request after it probes the cluster again.
   */
  async call<T>(operation: string, run: (client: Client) => Promise<T>): Promise<T> {
    if (Date.now() < this.unavailableUntil) throw unavailableError();
    const started = process.hrtime.bigint();
    try {
      return await run(this.client);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      this.unavailableUntil = Date.now() + UNAVAILABLE_COOLDOWN_MS;
      throw unavailableError();
    } finally {
      this.options.onRequest?.(operation, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /**
   * The longest a write can take to land, retries included: a write stamped earlier than this
   * may still be on its way.
   */
  get longestRequestMs(): number {
    return this.options.requestTimeoutMs * (this.options.maxRetries + 1);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
