import { describe, expect, it } from 'vitest';
import { toItemInput } from '../../src/cli/item-line.js';
import { readJsonLines, type JsonLine } from '../../src/cli/jsonl-reader.js';

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

async function read(
  parts: (string | Uint8Array)[],
  options?: { maxLineBytes?: number },
): Promise<JsonLine[]> {
  const out: JsonLine[] = [];
  for await (const line of readJsonLines(chunks(...parts), options)) out.push(line);
  return out;
}

describe('readJsonLines', () => {
  it('yields one value per line with its line number and the bytes consumed', async () => {
    const lines = await read(['{"id":"a"}\n{"id":"b"}\n']);
    expect(lines).toEqual([
      { line: 1, bytes: 11, ok: true, value: { id: 'a' } },
      { line: 2, bytes: 22, ok: true, value: { id: 'b' } },
    ]);
  });

  it('skips blank and whitespace-only lines but keeps counting them', async () => {
    const lines = await read(['\n{"id":"a"}\n\n   \t\n{"id":"b"}\n\n']);
    expect(lines.map((l) => l.line)).toEqual([2, 5]);
    expect(lines.at(-1)?.bytes).toBe(1 + 11 + 1 + 5 + 11);
  });

  it('reads a last line without a terminator', async () => {
    const lines = await read(['{"id":"a"}\n{"id":"b"}']);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ line: 2, bytes: 21, value: { id: 'b' } });
  });

  it('accepts CRLF line ends and counts the CR bytes', async () => {
    const lines = await read(['{"id":"a"}\r\n\r\n{"id":"b"}\r\n']);
    expect(lines.map((l) => (l.ok ? l.value : l.error))).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(lines.map((l) => l.line)).toEqual([1, 3]);
    expect(lines[1]!.bytes).toBe(12 + 2 + 12);
  });

  it('reports a line that is not JSON and goes on', async () => {
    const lines = await read(['{"id":"a"}\nnot json\n{"id":\n{"id":"b"}\n']);
    expect(lines.map((l) => l.ok)).toEqual([true, false, false, true]);
    const bad = lines[1]!;
    expect(bad).toMatchObject({ line: 2, ok: false });
    if (!bad.ok) expect(bad.error).toMatch(/^invalid JSON: /);
    expect(lines[3]).toMatchObject({ line: 4, value: { id: 'b' } });
  });

  it('decodes multi-byte UTF-8 split across chunks and counts bytes, not characters', async () => {
    const bytes = Buffer.from('{"id":"é✓😀","title":"日本語"}\n{"id":"x"}\n', 'utf8');
    // Split inside the 4-byte emoji and inside a 3-byte character.
    const emoji = bytes.indexOf(Buffer.from('😀')) + 2;
    const kanji = bytes.indexOf(Buffer.from('本')) + 1;
    const lines = await read([
      bytes.subarray(0, emoji),
      bytes.subarray(emoji, kanji),
      bytes.subarray(kanji),
    ]);
    expect(lines[0]).toMatchObject({ ok: true, value: { id: 'é✓😀', title: '日本語' } });
    expect(lines[1]!.bytes).toBe(bytes.length);
  });

  it('splits lines across any chunking, one byte at a time included', async () => {
    const text = '{"id":"a"}\r\n\n{"id":"b"}\n';
    const oneByOne = [...Buffer.from(text)].map((b) => Uint8Array.of(b));
    expect(await read(oneByOne)).toEqual(await read([text]));
  });

  it('ignores a UTF-8 byte-order mark at the start', async () => {
    const lines = await read([Buffer.from([0xef, 0xbb, 0xbf]), '{"id":"a"}\n']);
    expect(lines[0]).toMatchObject({ ok: true, value: { id: 'a' }, bytes: 14 });
  });

  it('reports a line that is not valid UTF-8', async () => {
    const lines = await read([Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), '{"id":"a"}\n']);
    expect(lines[0]).toMatchObject({ line: 1, ok: false, error: 'not valid UTF-8' });
    expect(lines[1]).toMatchObject({ line: 2, ok: true });
  });

  it('reports a line over the size limit without buffering it, then goes on', async () => {
    const long = `{"id":"${'x'.repeat(100)}"}`;
    const lines = await read([long.slice(0, 50), `${long.slice(50)}\n`, '{"id":"a"}\n'], {
      maxLineBytes: 64,
    });
    expect(lines[0]).toMatchObject({ line: 1, ok: false, error: 'line longer than 64 bytes' });
    expect(lines[0]!.bytes).toBe(long.length + 1);
    expect(lines[1]).toMatchObject({ line: 2, ok: true, value: { id: 'a' } });
  });

  it('yields nothing for an empty input', async () => {
    expect(await read([])).toEqual([]);
    expect(await read(['', '\n\n'])).toEqual([]);
  });
});

describe('toItemInput', () => {
  it('takes an item and lists the fields it ignores', () => {
    const result = toItemInput({ id: 'a', title: 'T', tags: ['x'], imageVector: [1, 2], topic: 3 });
    expect(result).toEqual({
      ok: true,
      item: {
        id: 'a',
        title: 'T',
        text: null,
        tags: ['x'],
        imageVector: [1, 2],
        textVector: null,
      },
      unknownFields: ['topic'],
    });
  });

  it('takes vectors as base64 strings and refuses other types there', () => {
    const base64 = Buffer.from(new Float32Array([1, 2]).buffer).toString('base64');
    expect(toItemInput({ id: 'a', imageVectorBase64: base64 })).toMatchObject({
      ok: true,
      item: { id: 'a', imageVectorBase64: base64, imageVector: null },
      unknownFields: [],
    });
    expect(toItemInput({ id: 'a', textVectorBase64: [1, 2] })).toMatchObject({
      ok: false,
      id: 'a',
      message: '"textVectorBase64" must be a base64 string or null',
    });
  });

  it('fails a line with a missing or non-string id', () => {
    expect(toItemInput({ title: 'no id' })).toMatchObject({
      ok: false,
      code: 'BAD_USER_INPUT',
      message: 'the object has no "id"',
    });
    expect(toItemInput({ id: 7 })).toMatchObject({ ok: false, message: /"id" must be a string/ });
    expect(toItemInput({ id: null })).toMatchObject({ ok: false });
  });

  it('fails values that are not objects', () => {
    for (const value of [null, [1, 2], 'text', 42, true]) {
      expect(toItemInput(value)).toMatchObject({ ok: false, code: 'BAD_USER_INPUT' });
    }
    expect(toItemInput([1])).toMatchObject({ message: /got an array/ });
  });

  it('fails fields of the wrong type, naming the field and keeping the id', () => {
    expect(toItemInput({ id: 'a', title: 3 })).toMatchObject({
      ok: false,
      id: 'a',
      message: /"title"/,
    });
    expect(toItemInput({ id: 'a', tags: 'x' })).toMatchObject({ ok: false, message: /"tags"/ });
    expect(toItemInput({ id: 'a', imageVector: 5 })).toMatchObject({
      ok: false,
      message: /"imageVector"/,
    });
    expect(toItemInput({ id: 'a', textVector: [1, '2'] })).toMatchObject({
      ok: false,
      message: /"textVector"/,
    });
  });

  it('accepts null for every optional field', () => {
    const result = toItemInput({
      id: 'a',
      title: null,
      text: null,
      tags: null,
      imageVector: null,
      textVector: null,
    });
    expect(result.ok).toBe(true);
  });
});
