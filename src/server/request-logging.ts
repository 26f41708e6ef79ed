import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/** Routes probed by orchestrators and scrapers every few seconds: logged at trace only. */
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function isProbe(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0] ?? request.url;
  return PROBE_ROUTES.has(path);
}

/**
 * Fastify's per-request log lines, at a level chosen by what they say: failed requests (an
 * error, or a 5xx) at error, requests slower than `slowRequestMs` at warn, everything else at
 * debug — so the default level (info) logs errors and slow requests only. Health, readiness and
 * metrics probes are logged at trace, never at the default level. Client errors (4xx, unknown
 * routes) are debug lines: the client hears about them.
 */
export class RequestLogController extends LogController {
  constructor(private readonly slowRequestMs: number) {
    super();
  }

  override incomingRequest(request: FastifyRequest): void {
    if (isProbe(request)) request.log.trace({ req: request }, 'incoming request');
    else request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(error ? { err: error } : {}),
    };
    if (isProbe(request)) reply.log.trace(line, 'request completed');
    else if (error || reply.statusCode >= 500) reply.log.error(line, 'request failed');
    else if (reply.elapsedTime >= this.slowRequestMs) reply.log.warn(line, 'slow request');
    else reply.log.debug(line, 'request completed');
  }

  override defaultErrorLog(error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode >= 500)
      reply.log.error({ req: request, res: reply, err: error }, error.message);
    else reply.log.debug({ res: reply, err: error }, error.message);
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug(`Route ${request.method}:${request.url} not found`);
  }
}
