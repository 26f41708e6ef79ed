/**
 * Reads JSON Lines (JSONL / NDJSON) from a stream of chunks, one parsed value per non-blank line.
 * Pure: no I/O of its own, so any source works (a file stream, stdin, an array in a test).
 */

/** One non-blank line: its value, or why it could not be parsed. */
export type JsonLine = {
  /** 1-based line number in the input, blank lines included. */
  line: number;
  /** Bytes of the input consumed up to and including this line's terminator. */
  bytes: number;
} & ({ ok: true; value: unknown } | { ok: false; error: string });

export interface ReadJsonLinesOptions {
  /** Longer lines are reported as errors (and skipped) instead of being buffered. */
  maxLineBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BOM = [0xef, 0xbb, 0xbf] as const;
const MAX_ERROR_LENGTH = 200;

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

function shorten(message: string): string {
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}

function hasBom(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2];
}

/**
 * Yields one result per non-blank line, in order. Lines end with LF or CRLF; the last line
 * needs no terminator; a UTF-8 byte-order mark at the start is ignored. A line that is not
 * UTF-8, not JSON or too long becomes an error result and reading goes on.
 */
export async function* readJsonLines(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadJsonLinesOptions = {},
): AsyncGenerator<JsonLine> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  let parts: Buffer[] = [];
  let length = 0;
  let oversized = false;
  let consumed = 0;
  let line = 0;

  const append = (bytes: Buffer): void => {
    consumed += bytes.length;
    if (oversized || bytes.length === 0) return;
    if (length + bytes.length > maxLineBytes) {
      oversized = true;
      parts = [];
      length = 0;
      return;
    }
    parts.push(bytes);
    length += bytes.length;
  };

  /** The result of the line just completed, or null when it is blank. */
  const finishLine = (): JsonLine | null => {
    line++;
    const wasOversized = oversized;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    parts = [];
    length = 0;
    oversized = false;
    if (wasOversized) {
      return { line, bytes: consumed, ok: false, error: `line longer than ${maxLineBytes} bytes` };
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (line === 1 && hasBom(bytes)) bytes = bytes.subarray(3);
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      return { line, bytes: consumed, ok: false, error: 'not valid UTF-8' };
    }
    if (text.trim() === '') return null;
    try {
      return { line, bytes: consumed, ok: true, value: JSON.parse(text) as unknown };
    } catch (error) {
      return {
        line,
        bytes: consumed,
        ok: false,
        error: shorten(`invalid JSON: ${(error as Error).message}`),
      };
    }
  };

  for await (const chunk of source) {
    const buffer = toBuffer(chunk);
    let start = 0;
    while (start < buffer.length) {
      const end = buffer.indexOf(NEWLINE, start);
      if (end === -1) {
        append(buffer.subarray(start));
        break;
      }
      append(buffer.subarray(start, end));
      consumed += 1;
      start = end + 1;
      const result = finishLine();
      if (result) yield result;
    }
  }
  if (length > 0 || oversized) {
    const result = finishLine();
    if (result) yield result;
  }
}
