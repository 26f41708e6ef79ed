import { GraphQLError } from 'graphql';

/** The error codes clients may see in `extensions.code` (see DESIGN.md, "Errors"). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  MODEL_NOT_TRAINED: 'MODEL_NOT_TRAINED',
  DIMENSION_MISMATCH: 'DIMENSION_MISMATCH',
  BACKEND_UNAVAILABLE: 'BACKEND_UNAVAILABLE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  CONFLICT: 'CONFLICT',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error whose message is meant for the client. Services throw it; the GraphQL layer turns it
 * into a GraphQLError with `extensions.code`, per item results into an IngestFailure.
 */
export class LshqlError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'LshqlError';
  }
}

export function toGraphqlError(error: LshqlError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: error.code, ...(error.details ?? {}) },
  });
}
