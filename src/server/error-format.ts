import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, LshqlError } from '../errors.js';

/**
 * Shapes every error a client sees: our own errors keep their code and message; anything
 * unexpected becomes INTERNAL_SERVER_ERROR without internals (stack traces, Elasticsearch
 * responses) unless `exposeInternals` is on for development.
 */
export function createErrorFormatter(options: {
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
