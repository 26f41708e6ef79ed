/** An item that did not land, by the line it came from (line 0: unknown). */
export interface LineFailure {
  line: number;
  id?: string;
  code: string;
  message: string;
}

export interface IngestSummary {
  indexed: number;
  failed: number;
  /** The last line handled. */
  lines: number;
  source: string;
  seconds: number;
  /** The failures to list (the first few). */
  shown: readonly LineFailure[];
  failuresFile?: string | undefined;
  /** The run stopped before the end of the input (Ctrl-C, backend gone, read error). */
  stoppedEarly: boolean;
}

export function formatFailure(f: LineFailure): string {
  const id = f.id !== undefined ? ` (id ${JSON.stringify(f.id)})` : '';
  return `  line ${f.line}${id}: ${f.code} ${f.message}`;
}

/**
 * What `lshql ingest` prints on stdout at the end: `indexed N, failed M (…)`, then the first
 * failures with their line numbers.
 */
export function formatIngestSummary(s: IngestSummary): string {
  const out = [
    `indexed ${s.indexed}, failed ${s.failed} (${s.lines} lines of ${s.source} in ${s.seconds.toFixed(1)} s)`,
  ];
  if (s.shown.length > 0) {
    out.push(
      s.failed > s.shown.length ? `first ${s.shown.length} of ${s.failed} failures:` : 'failures:',
    );
    out.push(...s.shown.map(formatFailure));
  }
  if (s.failuresFile !== undefined && s.failed > 0) {
    out.push(`all failures written to ${s.failuresFile}`);
  }
  if (s.stoppedEarly) {
    out.push(
      `stopped after line ${s.lines}: the lines after it were not read (ingest is idempotent: running it again completes it).`,
    );
  }
  return `${out.join('\n')}\n`;
}
