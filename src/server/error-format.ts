import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, LshqlError } from '../domain/errors.js';

/**
 * The HTTP status Apollo attached to one of its own request errors (`extensions.http`). Read by
 * shape, not `instanceof GraphQLError`: graphql's CommonJS and ES builds can both be loaded.
 */
function requestErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const extensions = (error as { extensions?: { http?: { status?: unknown } } }).extensions;
  const status = extensions?.http?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * graphql-js's suggestions: ` Did you mean "image"?`, ` Did you mean "a", "b", or "c"?`,
 * ` Did you mean the enum value "…"?` (schema names hold no "?").
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

/**
 * Shapes every error a client sees: our own errors keep their code and message; anything
 * unexpected becomes INTERNAL_SERVER_ERROR without internals (stack traces, Elasticsearch
 * responses) unless `exposeInternals` is on for development. With `hideSuggestions` (production,
 * where introspection is off) no message suggests schema names: validation errors and variable
 * errors alike, enum values included.
 */
export function createErrorFormatter(options: {
  exposeInternals: boolean;
  hideSuggestions?: boolean;
  onInternalError: (error: unknown) => void;
}) {
  const format = shapeError(options);
  if (!options.hideSuggestions) return format;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const shaped = format(formatted, error);
    return { ...shaped, message: shaped.message.replace(SUGGESTION, '') };
  };
}

function shapeError(options: {
  exposeInternals: boolean;
  onInternalError: (error: unknown) => void;
}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof LshqlError) {
      return {
        message: original.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: { code: original.code, ...(original.details ?? {}) },
      };
    }
    const code = formatted.extensions?.code;
    const status = requestErrorStatus(error);
    if (code === ErrorCode.INTERNAL_SERVER_ERROR && status !== undefined && status < 500) {
      // Apollo refuses some requests with a 4xx but no code (a persisted query's hash that does
      // not match, an unknown persisted-query version): the client's to fix, not internal.
      return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
    }
    if (typeof code === 'string' && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
      // Apollo's own request errors (validation, parsing, bad variables) are the client's to fix.
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return options.exposeInternals ? formatted : { ...formatted, extensions };
    }
    options.onInternalError(original);
    if (options.exposeInternals) return formatted;
    return {
      message: 'Internal server error; the gateway logged the details.',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
