import { loadConfig, type Config } from '../config.js';
import { ErrorCode, LshqlError } from '../domain/errors.js';
import { createBackend } from '../search/create-backend.js';
import { createServices, type Services } from '../services.js';
import { CliError, ExitCode, describeError } from './exit-codes.js';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C: long commands stop after the work in flight. */
  signal?: AbortSignal;
}

/** The options every command takes (before or after the command name). */
export interface GlobalOptions {
  elasticsearch?: string;
  indexPrefix?: string;
  embeddedFile?: string;
}

/**
 * The environment the configuration is read from: the process's, with the global options on
 * top. `--embedded-file` selects the embedded backend even when ELASTICSEARCH_URL is set.
 */
export function cliEnvironment(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  defaults: Record<string, string> = {},
): NodeJS.ProcessEnv {
  if (options.elasticsearch !== undefined && options.embeddedFile !== undefined) {
    throw new CliError(
      ExitCode.USAGE,
      '--elasticsearch and --embedded-file exclude each other: pick one backend.',
    );
  }
  const result: NodeJS.ProcessEnv = { ...defaults, ...env };
  if (options.elasticsearch !== undefined) result.ELASTICSEARCH_URL = options.elasticsearch;
  if (options.indexPrefix !== undefined) result.LSHQL_INDEX_PREFIX = options.indexPrefix;
  if (options.embeddedFile !== undefined) {
    result.LSHQL_EMBEDDED_FILE = options.embeddedFile;
    delete result.ELASTICSEARCH_URL;
  }
  // The gateway's default; a CLI run never loads demo data.
  result.LSHQL_DEMO_DATA = 'false';
  return result;
}

export function cliConfig(
  options: GlobalOptions,
  env: NodeJS.ProcessEnv,
  defaults?: Record<string, string>,
): Config {
  const merged = cliEnvironment(options, env, defaults);
  try {
    return loadConfig(merged);
  } catch (error) {
    throw new CliError(ExitCode.USAGE, (error as Error).message);
  }
}

/** A short description of the backend a config selects, for messages. */
export function backendLabel(config: Config): string {
  if (config.ELASTICSEARCH_URL) {
    return `Elasticsearch at ${config.ELASTICSEARCH_URL} (index prefix "${config.LSHQL_INDEX_PREFIX}")`;
  }
  return config.LSHQL_EMBEDDED_FILE
    ? `embedded backend in ${config.LSHQL_EMBEDDED_FILE}`
    : 'embedded backend in memory';
}

/**
 * Opens the backend the config selects, runs `work` with the services around it and always
 * closes the backend afterwards (the embedded backend writes its file on close).
 */
export async function withServices<T>(
  config: Config,
  io: CliIo,
  work: (services: Services) => Promise<T>,
): Promise<T> {
  if (!config.ELASTICSEARCH_URL && !config.LSHQL_EMBEDDED_FILE) {
    io.stderr.write(
      'warning: no Elasticsearch (--elasticsearch / ELASTICSEARCH_URL) and no --embedded-file ' +
        '(LSHQL_EMBEDDED_FILE): the embedded backend keeps nothing after this command.\n',
    );
  }
  const backend = createBackend(config);
  try {
    await backend.init();
  } catch (error) {
    await backend.close().catch(() => undefined);
    if (backend.kind === 'embedded' && config.LSHQL_EMBEDDED_FILE && !(error instanceof CliError)) {
      throw new CliError(
        ExitCode.USAGE,
        `cannot load ${config.LSHQL_EMBEDDED_FILE}: ${(error as Error).message}`,
      );
    }
    if (error instanceof LshqlError && error.code === ErrorCode.BACKEND_UNAVAILABLE) {
      throw new LshqlError(error.code, `cannot reach ${backendLabel(config)}. ${error.message}`);
    }
    throw error;
  }
  let result: T;
  const services = createServices(config, backend);
  try {
    result = await work(services);
  } catch (error) {
    await services.compute.close();
    // Keep the first error; still try to persist what was done.
    await backend.close().catch((closeError: unknown) => {
      io.stderr.write(`${describeError(closeError)}\n`);
    });
    throw error;
  }
  await services.compute.close();
  try {
    await backend.close();
  } catch (error) {
    if (backend.kind === 'embedded' && config.LSHQL_EMBEDDED_FILE) {
      throw new CliError(
        ExitCode.USAGE,
        `cannot save ${config.LSHQL_EMBEDDED_FILE}: ${(error as Error).message}`,
      );
    }
    throw error;
  }
  return result;
}
