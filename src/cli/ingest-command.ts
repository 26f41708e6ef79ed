import { open, type FileHandle } from 'node:fs/promises';
import { fstatSync } from 'node:fs';
import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { ItemInput } from '../ingest/item-input.js';
import type { Services } from '../services.js';
import { cliConfig, withServices, type CliIo, type GlobalOptions } from './cli-context.js';
import { CliError, ExitCode, fileErrorReason } from './exit-codes.js';
import {
  createIngestProgress,
  type IngestProgress,
  type IngestProgressState,
} from './ingest-progress.js';
import { formatIngestSummary, type LineFailure } from './ingest-summary.js';
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
    if ((io.stdin as { isTTY?: boolean }).isTTY) {
      io.stderr.write('reading items from the terminal: one JSON object per line, Ctrl-D ends\n');
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
    if (stat.isDirectory()) {
      throw new CliError(ExitCode.USAGE, `cannot read ${file}: is a directory`);
    }
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

interface FailureLog {
  write(failure: LineFailure): Promise<unknown>;
  close(): Promise<void>;
}

/** Where every failure goes as one JSON line, when `--failures` names a file. */
async function openFailureLog(file: string | undefined): Promise<FailureLog | null> {
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

/** A batch of items with the line each came from; ids are unique within a batch. */
class Batch {
  readonly items: ItemInput[] = [];
  readonly lines = new Map<string, number>();
  /** Bytes of the input up to the end of the last line in the batch. */
  bytes = 0;

  add(item: ItemInput, line: number, bytes: number): void {
    this.items.push(item);
    this.lines.set(item.id, line);
    this.bytes = bytes;
  }
}

/**
 * `lshql ingest FILE`: streams a JSONL/NDJSON file (or stdin) through the ingest service in
 * batches. A bad line or a rejected item fails alone; the summary counts both. An id seen again
 * later in the input fails as a duplicate (the first occurrence is kept), as in `ingestItems`. Returns the exit
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
  let failureLog: FailureLog | null = null;
  try {
    failureLog = await openFailureLog(options.failures);
    const log = failureLog;
    const batchLimit = Math.max(config.LSHQL_MAX_BATCH, options.batchSize);
    return await withServices({ ...config, LSHQL_MAX_BATCH: batchLimit }, io, (services) =>
      new IngestRun(services, source, options, io, log).run(),
    );
  } finally {
    await source.close().catch(() => undefined);
    await failureLog?.close().catch(() => undefined);
  }
}

/** Why a run ended before the end of the input. */
type Stop = { kind: 'error'; error: unknown } | { kind: 'interrupted' } | null;

/** One ingest of one source: reads lines, sends batches, counts and logs failures. */
class IngestRun {
  private readonly startedAt = Date.now();
  private readonly state: IngestProgressState = {
    bytes: 0,
    lines: 0,
    indexed: 0,
    failed: 0,
    batches: 0,
  };
  private readonly shown: LineFailure[] = [];
  private readonly warnedFields = new Set<string>();
  /** The line of each id's first occurrence in the input: later ones are duplicates. */
  private readonly firstLines = new Map<string, number>();
  private readonly progress: IngestProgress;
  private stop: Stop = null;
  private abortRequested = false;

  constructor(
    private readonly services: Services,
    private readonly source: Source,
    private readonly options: IngestCommandOptions,
    private readonly io: CliIo,
    private readonly failureLog: FailureLog | null,
  ) {
    this.progress = createIngestProgress({
      stream: io.stderr,
      totalBytes: source.size,
      bar: options.progress,
      every: options.progressEvery,
    });
  }

  async run(): Promise<number> {
    // Listening tells main.ts that Ctrl-C is handled here (stop after the batch in flight).
    const onAbort = () => {
      this.abortRequested = true;
    };
    this.io.signal?.addEventListener('abort', onAbort);
    try {
      const batch = await this.readAndSend();
      // The last, partial batch: its lines were read whole (also after Ctrl-C or a read error).
      if (this.stop === null || this.stop.kind === 'interrupted' || isReadError(this.stop)) {
        await this.send(batch);
      }
    } finally {
      this.io.signal?.removeEventListener('abort', onAbort);
    }
    if (this.stop === null && this.source.size !== undefined) this.state.bytes = this.source.size;
    this.progress.stop(this.state);
    if (this.stop === null) {
      try {
        await this.services.backend.refresh();
      } catch (error) {
        this.stop = { kind: 'error', error };
      }
    }
    this.io.stdout.write(this.summary());
    if (this.stop?.kind === 'error') throw this.stop.error;
    if (this.stop?.kind === 'interrupted') return ExitCode.INTERRUPTED;
    return this.state.failed > 0 ? ExitCode.FAILED : ExitCode.OK;
  }

  /** Reads until the end (or a stop), sending full batches; returns the partial last one. */
  private async readAndSend(): Promise<Batch> {
    const lines = readJsonLines(this.source.stream)[Symbol.asyncIterator]();
    let batch = new Batch();
    for (;;) {
      let next: IteratorResult<JsonLine>;
      try {
        next = await lines.next();
      } catch (error) {
        const reason = fileErrorReason(error);
        const message = `reading ${this.source.name} failed after line ${this.state.lines}: ${reason}`;
        this.stop = { kind: 'error', error: new CliError(ExitCode.USAGE, message) };
        return batch;
      }
      if (next.done) return batch;
      const result = next.value;
      const parsed = result.ok ? toItemInput(result.value) : null;
      if (!result.ok) {
        await this.fail({ line: result.line, code: 'INVALID_JSON', message: result.error });
      } else if (parsed && !parsed.ok) {
        const { ok: _ok, ...failure } = parsed;
        await this.fail({ line: result.line, ...failure });
      } else if (parsed?.ok) {
        this.warnUnknownFields(parsed.unknownFields, result.line);
        // The same rule as one ingestItems call: the first occurrence of an id is kept.
        const firstLine = this.firstLines.get(parsed.item.id);
        if (firstLine !== undefined) {
          await this.fail({
            line: result.line,
            id: parsed.item.id,
            code: ErrorCode.BAD_USER_INPUT,
            message: `The id appears more than once in this file; only its first occurrence (line ${firstLine}) was kept.`,
          });
        } else {
          this.firstLines.set(parsed.item.id, result.line);
          batch.add(parsed.item, result.line, result.bytes);
          if (batch.items.length >= this.options.batchSize) {
            await this.send(batch);
            batch = new Batch();
          }
        }
      }
      this.state.lines = result.line;
      if (this.stop) return batch;
      if (this.abortRequested) {
        this.stop = { kind: 'interrupted' };
        return batch;
      }
    }
  }

  private async send(batch: Batch): Promise<void> {
    if (batch.items.length === 0) return;
    let failures: { id: string; code: string; message: string }[];
    try {
      const outcome = await this.services.ingest.ingest(batch.items);
      this.state.indexed += outcome.indexed;
      failures = outcome.failed;
      // A batch that failed whole because the backend is gone: stop instead of failing on.
      if (
        outcome.indexed === 0 &&
        failures.length > 0 &&
        failures.every((f) => f.code === ErrorCode.BACKEND_UNAVAILABLE)
      ) {
        const error = new LshqlError(ErrorCode.BACKEND_UNAVAILABLE, failures[0]!.message);
        this.stop = { kind: 'error', error };
      }
    } catch (error) {
      this.stop = { kind: 'error', error };
      const code = error instanceof LshqlError ? error.code : ErrorCode.INTERNAL_SERVER_ERROR;
      const message = error instanceof Error ? error.message : String(error);
      failures = batch.items.map((item) => ({ id: item.id, code, message }));
    }
    for (const f of failures) await this.fail({ line: batch.lines.get(f.id) ?? 0, ...f });
    this.state.batches++;
    this.state.bytes = Math.max(this.state.bytes, batch.bytes);
    this.progress.update(this.state);
  }

  private async fail(failure: LineFailure): Promise<void> {
    this.state.failed++;
    if (this.shown.length < this.options.show) this.shown.push(failure);
    await this.failureLog?.write(failure);
  }

  private warnUnknownFields(fields: string[], line: number): void {
    for (const field of fields) {
      if (this.warnedFields.has(field)) continue;
      this.warnedFields.add(field);
      // On a terminal the bar owns the current line: start a fresh one.
      this.io.stderr.write(
        `${this.io.stderr.isTTY ? '\r\x1b[2K' : ''}note: field "${field}" (first on line ${line}) is not an item field; it is ignored.\n`,
      );
    }
  }

  private summary(): string {
    return formatIngestSummary({
      indexed: this.state.indexed,
      failed: this.state.failed,
      lines: this.state.lines,
      source: this.source.name,
      seconds: (Date.now() - this.startedAt) / 1000,
      shown: this.shown,
      failuresFile: this.failureLog ? this.options.failures : undefined,
      stoppedEarly: this.stop !== null,
    });
  }
}

function isReadError(stop: Stop): boolean {
  return stop?.kind === 'error' && stop.error instanceof CliError;
}
