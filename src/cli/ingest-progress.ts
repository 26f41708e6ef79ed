import cliProgress from 'cli-progress';

export interface IngestProgressState {
  /** Bytes of the input consumed so far. */
  bytes: number;
  lines: number;
  indexed: number;
  failed: number;
  batches: number;
}

/** Shows how far an ingest has got; `stop` leaves the terminal clean for the summary. */
export interface IngestProgress {
  update(state: IngestProgressState): void;
  stop(state: IngestProgressState): void;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

function rate(count: number, startedAt: number): string {
  const seconds = (Date.now() - startedAt) / 1000;
  return seconds > 0 ? String(Math.round(count / seconds)) : '0';
}

/** A progress bar over the input's bytes (cli-progress), redrawn in place on a terminal. */
class BarProgress implements IngestProgress {
  private readonly bar: cliProgress.SingleBar;
  private readonly startedAt = Date.now();

  constructor(
    stream: NodeJS.WritableStream,
    private readonly totalBytes: number,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format:
          'ingest [{bar}] {percentage}% | {read} of {size} | {indexed} indexed, {failed} failed | {rate} items/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, totalBytes), 0, this.payload(0, 0, 0));
  }

  private payload(bytes: number, indexed: number, failed: number) {
    return {
      read: formatBytes(bytes),
      size: formatBytes(this.totalBytes),
      indexed,
      failed,
      rate: rate(indexed + failed, this.startedAt),
    };
  }

  update(state: IngestProgressState): void {
    this.bar.update(
      Math.min(state.bytes, Math.max(1, this.totalBytes)),
      this.payload(state.bytes, state.indexed, state.failed),
    );
  }

  stop(state: IngestProgressState): void {
    this.update(state);
    this.bar.stop();
  }
}

/** One status line every `every` batches: for logs, pipes and CI, where a bar would garble. */
class LineProgress implements IngestProgress {
  private readonly startedAt = Date.now();

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly totalBytes: number | undefined,
    private readonly every: number,
  ) {}

  private line(state: IngestProgressState): string {
    const read =
      this.totalBytes === undefined
        ? formatBytes(state.bytes)
        : `${formatBytes(state.bytes)} of ${formatBytes(this.totalBytes)} (${Math.floor((100 * state.bytes) / Math.max(1, this.totalBytes))}%)`;
    return `ingest: ${state.lines} lines, ${state.indexed} indexed, ${state.failed} failed, ${read}, ${rate(state.indexed + state.failed, this.startedAt)} items/s\n`;
  }

  update(state: IngestProgressState): void {
    if (state.batches > 0 && state.batches % this.every === 0) this.stream.write(this.line(state));
  }

  stop(): void {
    // The summary follows on stdout.
  }
}

/** A bar when writing to a terminal and the size is known, status lines otherwise. */
export function createIngestProgress(options: {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  totalBytes: number | undefined;
  bar: boolean;
  every: number;
}): IngestProgress {
  if (options.bar && options.stream.isTTY && options.totalBytes !== undefined) {
    return new BarProgress(options.stream, options.totalBytes);
  }
  return new LineProgress(options.stream, options.totalBytes, options.every);
}
