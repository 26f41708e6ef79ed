import { ErrorCode, LshqlError } from '../domain/errors.js';

/** The CLI's exit statuses; `lshql --help` lists them. */
export const ExitCode = {
  /** Everything asked for was done (every item indexed). */
  OK: 0,
  /** The command ran but some items failed, or an unexpected error stopped it. */
  FAILED: 1,
  /** Bad usage or bad input: unknown option, missing or unreadable file, invalid model file. */
  USAGE: 2,
  /** The search backend (Elasticsearch) is unreachable or overloaded. */
  BACKEND_UNAVAILABLE: 3,
  /** Stopped by Ctrl-C (SIGINT), after finishing the batch in flight. */
  INTERRUPTED: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0    success (for ingest: every item indexed)
  1    some items failed, or an unexpected error
  2    usage or input error (bad option, missing or unreadable file, invalid model file)
  3    the search backend is unavailable
  130  interrupted (Ctrl-C) after the batch in flight`;

/** An error the CLI reports in one line, with the exit status it calls for. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Codes of LshqlErrors that mean "the request cannot be done as asked" (exit 2). */
const INPUT_CODES = new Set<string>([
  ErrorCode.BAD_USER_INPUT,
  ErrorCode.NOT_FOUND,
  ErrorCode.MODEL_NOT_TRAINED,
  ErrorCode.DIMENSION_MISMATCH,
]);

export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof LshqlError) {
    if (error.code === ErrorCode.BACKEND_UNAVAILABLE) return ExitCode.BACKEND_UNAVAILABLE;
    return INPUT_CODES.has(error.code) ? ExitCode.USAGE : ExitCode.FAILED;
  }
  return ExitCode.FAILED;
}

/**
 * The one line printed for an error: expected errors (CliError, LshqlError) without a stack
 * trace; anything else with its stack when LSHQL_DEBUG is set.
 */
export function describeError(error: unknown, debug = false): string {
  if (error instanceof CliError) return `error: ${error.message}`;
  if (error instanceof LshqlError) return `error: ${error.message} (${error.code})`;
  if (error instanceof Error) {
    return debug && error.stack
      ? `error: ${error.stack}`
      : `error: ${error.message} (set LSHQL_DEBUG=1 for details)`;
  }
  return `error: ${String(error)}`;
}

/** A readable reason for a failed file operation ("no such file", "permission denied", …). */
export function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'a parent of it is not a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
