import { open, type FileHandle } from 'node:fs/promises';
import { fstatSync } from 'node:fs';
import { ErrorCode, LshqlError } from '../errors.js';
import type { ItemInput } from '../ingest/item-input.js';
import type { Services } from '../services.js';
import { cliConfig, withServices, type CliIo, type GlobalOptions } from './cli-context.js';
import { CliError, ExitCode, fileErrorReason } from './exit-codes.js';
import { createIngestProgress, type IngestProgressState } from './ingest-progress.js';
import { toItemInput } from './item-line.js';
import { readJsonLines, type JsonLine } from './jsonl-reader.js';

export interface IngestCommandOptions {
  batchSize: number;
  progress: boolean;
  progressEvery: number;
  failures?: string;
  /** Failures listed in the summary (all of them go to `failures`). */
  show: number;
}

/** An item that did not land, by the line it came from. */
export interface LineFailure {
  line: number;
  id?: string;
  code: string;
  message: string;
}

interface Source {
  stream: NodeJS.ReadableStream;
  /** Size in bytes when known (a regular file), for the progress bar. */
  size: number | undefined;
  name: string;
  close(): Promise<void>;
}

async function openSource(file: string, io: CliIo): Promise<Source> {
  if (file === '-') {
    let size: number | undefined;
    try {
      const stat = io.stdin === process.stdin ? fstatSync(0) : undefined;
      if (stat?.isFile()) size = stat.size;
    } catch {
      size = undefined;
    }
    return { stream: io.stdin, size, name: 'standard input', close: async () => undefined };
  }
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new CliError(ExitCode.USAGE, `cannot read ${file}: ${fileErrorReason(error)}`);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory())
      throw new CliError(ExitCode.USAGE, `cannot read ${file}: is a directory`);
    return {
      stream: handle.createReadStream({ highWaterMark: 256 * 1024, autoClose: false }),
      size: stat.isFile() ? stat.size : undefined,
      name: file,
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Where every failure goes as one JSON line, when `--failures` names a file. */
async function openFailureLog(file: string | undefined) {
  if (file === undefined) return null;
  try {
    const handle = await open(file, 'w');
    return {
      write: (failure: LineFailure) => handle.write(`${JSON.stringify(failure)}\n`),
      close: () => handle.close(),
    };
  } catch (error) {
    throw new CliError(ExitCode.USAGE, `cannot write ${file}: ${fileErrorReason(error)}`);
  }
}

function describeFailure(f: LineFailure): string {
  return `  line ${f.line}${f.id !== undefined ? ` (id ${JSON.stringify(f.id)})` : ''}: ${f.code} ${f.message}`;
}

/** A batch of items with the line each came from; ids are unique within a batch. */
class Batch {
  readonly items: ItemInput[] = [];
  readonly lines = new Map<string, number>();
  bytes = 0;

  has(id: string): boolean {
    return this.lines.has(id);
  }

  add(item: ItemInput, line: number, bytes: number): void {
    this.items.push(item);
    this.lines.set(item.id, line);
    this.bytes = bytes;
  }
}

/**
 * `lshql ingest FILE`: streams a JSONL/NDJSON file (or stdin) through the ingest service in
 * batches. A bad line or a rejected item fails alone; the summary counts both. Returns the exit
 * status: 0 all indexed, 1 some failed, 3 the backend went away, 130 interrupted.
 */
export async function ingestCommand(
  file: string,
  options: IngestCommandOptions,
  global: GlobalOptions,
  io: CliIo,
): Promise<number> {
  // Bulk loading: refresh once at the end rather than waiting for a refresh per batch.
  const config = cliConfig(global, io.env, { LSHQL_INGEST_REFRESH: 'false' });
  const source = await openSource(file, io);
  let failureLog: Awaited<ReturnType<typeof openFailureLog>> = null;
  try {
    failureLog = await openFailureLog(options.failures);
    const batchLimit = Math.max(config.LSHQL_MAX_BATCH, options.batchSize);
    return await withServices({ ...config, LSHQL_MAX_BATCH: batchLimit }, io, (services) =>
      runIngest(services, source, options, io, failureLog),
    );
  } finally {
    await source.close().catch(() => undefined);
    await failureLog?.close().catch(() => undefined);
  }
}

async function runIngest(
  services: Services,
  source: Source,
  options: IngestCommandOptions,
  io: CliIo,
  failureLog: Awaited<ReturnType<typeof openFailureLog>>,
): Promise<number> {
  const startedAt = Date.now();
  const state: IngestProgressState = { bytes: 0, lines: 0, indexed: 0, failed: 0, batches: 0 };
  const shown: LineFailure[] = [];
  const warnedFields = new Set<string>();
  const progress = createIngestProgress({
    stream: io.stderr,
    totalBytes: source.size,
    bar: options.progress,
    every: options.progressEvery,
  });
  /** Why the run stopped early: the backend went away, or the input could not be read. */
  const run: { stopped: { error: unknown } | null; interrupted: boolean } = {
    stopped: null,
    interrupted: false,
  };

  const fail = async (failure: LineFailure) => {
    state.failed++;
    if (shown.length < options.show) shown.push(failure);
    await failureLog?.write(failure);
  };

  const send = async (batch: Batch) => {
    if (batch.items.length === 0) return;
    let failures: { id: string; code: string; message: string }[];
    try {
      const outcome = await services.ingest.ingest(batch.items);
      state.indexed += outcome.indexed;
      failures = outcome.failed;
      // A batch that failed whole because the backend is gone: stop instead of failing on.
      if (
        outcome.indexed === 0 &&
        failures.length > 0 &&
        failures.every((f) => f.code === ErrorCode.BACKEND_UNAVAILABLE)
      ) {
        run.stopped = {
          error: new LshqlError(ErrorCode.BACKEND_UNAVAILABLE, failures[0]!.message),
        };
      }
    } catch (error) {
      run.stopped = { error };
      const code = error instanceof LshqlError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      const message = error instanceof Error ? error.message : String(error);
      failures = batch.items.map((item) => ({ id: item.id, code, message }));
    }
    for (const f of failures) await fail({ line: batch.lines.get(f.id) ?? 0, ...f });
    state.batches++;
    state.bytes = Math.max(state.bytes, batch.bytes);
    progress.update(state);
  };

  const onAbort = () => undefined;
  io.signal?.addEventListener('abort', onAbort);
  try {
    return await ingestLines();
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
  }

  async function ingestLines(): Promise<number> {
    const lines = readJsonLines(source.stream)[Symbol.asyncIterator]();
    let batch = new Batch();
    for (;;) {
      let next: IteratorResult<JsonLine>;
      try {
        next = await lines.next();
      } catch (error) {
        // The input could not be read further (an I/O error): send what was read, then report.
        run.stopped = {
          error: new CliError(
            ExitCode.USAGE,
            `reading ${source.name} failed after line ${state.lines}: ${fileErrorReason(error)}`,
          ),
        };
        break;
      }
      if (next.done) break;
      const result = next.value;
      if (!result.ok) {
        await fail({ line: result.line, code: 'INVALID_JSON', message: result.error });
      } else {
        const parsed = toItemInput(result.value);
        if (!parsed.ok) {
          const { ok: _ok, ...failure } = parsed;
          await fail({ line: result.line, ...failure });
        } else {
          warnUnknownFields(parsed.unknownFields, result.line, warnedFields, io);
          // A repeated id starts a new batch, so the later line wins, as it would one by one.
          if (batch.has(parsed.item.id)) {
            await send(batch);
            batch = new Batch();
            if (run.stopped) break;
          }
          batch.add(parsed.item, result.line, result.bytes);
          if (batch.items.length >= options.batchSize) {
            await send(batch);
            batch = new Batch();
          }
        }
      }
      state.lines = result.line;
      if (run.stopped) break;
      if (io.signal?.aborted) {
        run.interrupted = true;
        break;
      }
    }
    // The last, partial batch (also after Ctrl-C or a read error: its lines were read whole).
    if (!run.stopped || run.stopped.error instanceof CliError) await send(batch);
    if (!run.stopped && !run.interrupted && source.size !== undefined) state.bytes = source.size;
    progress.stop(state);

    if (!run.stopped) {
      try {
        await services.backend.refresh();
      } catch (error) {
        run.stopped = { error };
      }
    }

    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    const out: string[] = [
      `indexed ${state.indexed}, failed ${state.failed} (${state.lines} lines of ${source.name} in ${seconds} s)`,
    ];
    if (shown.length > 0) {
      out.push(
        state.failed > shown.length
          ? `first ${shown.length} of ${state.failed} failures:`
          : 'failures:',
      );
      out.push(...shown.map(describeFailure));
    }
    if (failureLog && state.failed > 0) out.push(`all failures written to ${options.failures}`);
    if (run.interrupted || run.stopped) {
      out.push(`stopped after line ${state.lines}: the lines after it were not read.`);
    }
    io.stdout.write(`${out.join('\n')}\n`);
    if (run.stopped) throw run.stopped.error;
    if (run.interrupted) return ExitCode.INTERRUPTED;
    return state.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
  }
}

function warnUnknownFields(fields: string[], line: number, warned: Set<string>, io: CliIo): void {
  for (const field of fields) {
    if (warned.has(field)) continue;
    warned.add(field);
    progressSafeWarning(
      io,
      `note: field "${field}" (first on line ${line}) is not an item field; it is ignored.`,
    );
  }
}

function progressSafeWarning(io: CliIo, message: string): void {
  // On a terminal the bar owns the current line: start a fresh one.
  io.stderr.write(`${io.stderr.isTTY ? '\r\x1b[2K' : ''}${message}\n`);
}
