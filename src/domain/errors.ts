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
 * An error whose message is meant for the client. Services throw it; the server's error formatter turns it
 * into a GraphQLError with `extensions.code`, per item results into an IngestFailure. No GraphQL
 * here: backends, the registry and the CLI use it too.
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
