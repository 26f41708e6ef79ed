import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../src/demo/synthetic-items.js';
import type { ModelRecord } from '../../src/models/model-record.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { EmbeddedBackend } from '../../src/search/embedded/embedded-backend.js';
import { elasticsearchUrl, freshPrefix } from '../support/gateway-harness.js';

const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without this machine's lshql settings: each run says what it uses. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'ELASTICSEARCH_URL' || key.startsWith('LSHQL_')) continue;
    env[key] = value;
  }
  return env;
}

/** Runs the real CLI, `node --import tsx src/cli/main.ts ARGS`, as a child process. */
function lshql(
  args: string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_DIR,
    env: { ...cleanEnvironment(), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no address');
  return address.port;
}

const items = generateSyntheticItems({
  count: 200,
  imageDim: 16,
  textDim: 12,
  topics: 4,
  subtopics: 2,
}).map(toItemInput);

/** The items as JSONL with bad lines among them; the expected failures by line number. */
function jsonlWithBadLines() {
  const lines = items.map((item) => JSON.stringify(item));
  // One good item with a CRLF line end, one blank line: neither is a failure.
  lines[1] = `${lines[1]}\r`;
  const bad: { at: number; text: string; code: string; id?: string }[] = [
    { at: 5, text: 'not json at all', code: 'INVALID_JSON' },
    { at: 10, text: '{"title": "an item without an id"}', code: 'BAD_USER_INPUT' },
    { at: 20, text: '[1, 2, 3]', code: 'BAD_USER_INPUT' },
    {
      at: 120,
      text: '{"id": "wrong-length", "imageVector": [0.5, 0.25, 1]}',
      code: 'DIMENSION_MISMATCH',
      id: 'wrong-length',
    },
  ];
  for (const b of bad) lines.splice(b.at, 0, b.text);
  lines.splice(50, 0, '');
  const failures = bad.map((b) => ({
    line: lines.indexOf(b.text) + 1,
    code: b.code,
    ...(b.id ? { id: b.id } : {}),
  }));
  return { text: `${lines.join('\n')}\n`, lineCount: lines.length, failures };
}

function noStackTrace(run: CliRun): void {
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('lshql CLI on Elasticsearch', () => {
  const url = elasticsearchUrl();
  const prefix = freshPrefix();
  const es = ['--elasticsearch', url, '--index-prefix', prefix];
  let dir: string;
  let backend: ElasticsearchBackend;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lshql-cli-'));
    backend = new ElasticsearchBackend({
      url,
      indexPrefix: prefix,
      requestTimeoutMs: 10_000,
      maxRetries: 1,
      refresh: 'wait_for',
    });
  });
  afterAll(async () => {
    if (backend) {
      // Wildcard deletes are refused by default (action.destructive_requires_name): name them.
      const indexes = Object.keys(await backend.client.indices.get({ index: `${prefix}-*` }));
      if (indexes.length > 0) await backend.client.indices.delete({ index: indexes });
      await backend.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ingests a JSONL file: bad lines fail alone, exact counts, exit 1', async () => {
    const { text, lineCount, failures } = jsonlWithBadLines();
    const file = join(dir, 'items.jsonl');
    const failuresFile = join(dir, 'failures.jsonl');
    await writeFile(file, text);

    const run = await lshql([
      ...es,
      'ingest',
      file,
      '--batch-size',
      '50',
      '--failures',
      failuresFile,
    ]);

    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(`^indexed 200, failed 4 \\(${lineCount} lines of ${file} in [\\d.]+ s\\)$`, 'm'),
    );
    for (const f of failures) {
      expect(run.stdout).toMatch(new RegExp(`^  line ${f.line}\\b.*: ${f.code} `, 'm'));
    }
    // Not a terminal: status lines instead of a bar, no escape sequences.
    expect(run.stderr).not.toContain('\x1b[');
    noStackTrace(run);

    const logged = (await readFile(failuresFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { line: number; code: string; id?: string });
    expect(logged.map(({ line, code, id }) => ({ line, code, ...(id ? { id } : {}) }))).toEqual(
      failures,
    );

    expect(await backend.countItems()).toBe(200);
    const stored = await backend.getItems(
      items.map((i) => i.id),
      { withVectors: true },
    );
    expect(stored.every((s) => s !== null)).toBe(true);
    expect(stored[1]).toMatchObject({ id: items[1]!.id, title: items[1]!.title });
    // Elasticsearch keeps vectors as float32.
    expect(stored[1]?.vectors.IMAGE).toEqual(items[1]!.imageVector!.map((v) => Math.fround(v)));
    expect((await backend.getItems(['wrong-length']))[0]).toBeNull();
  });

  it('exits 2 with a clear message when the file is missing', async () => {
    const missing = join(dir, 'missing.jsonl');
    const run = await lshql([...es, 'ingest', missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: cannot read ${missing}: no such file`);
    expect(run.stdout).toBe('');
    noStackTrace(run);
  });

  it('trains a model, and `models` lists version 1 as active', async () => {
    const trained = await lshql([
      ...es,
      'train',
      '--modality',
      'IMAGE',
      '--subspaces',
      '4',
      '--clusters',
      '8',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stdout).toMatch(
      /^trained IMAGE model version 1 \(active\): dim 16, 4 subspaces × 8 clusters/,
    );
    expect(trained.stdout).toMatch(/; re-hashed \d+ items$/m);
    expect(trained.stderr).toMatch(/sampling: 200 vectors read/);
    // It runs as a training job, shown with its id and overall progress.
    expect(trained.stderr).toMatch(
      /training: k-means per subspace, 0\/4 done \[job [0-9a-f-]{36}, 10%\]/,
    );
    expect(trained.stderr).toMatch(/re-hashing: 0\/200 items \[job [0-9a-f-]{36}, 50%\]/);

    const listed = await lshql([...es, 'models', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        modality: 'IMAGE',
        version: 1,
        dim: 16,
        subspaces: 4,
        clusters: 8,
        trainedOn: 200,
        active: true,
      }),
    ]);

    const table = await lshql(['models', ...es]);
    expect(table.code).toBe(0);
    const [header, row, ...rest] = table.stdout.trim().split('\n');
    expect(header).toMatch(
      /^MODALITY\s+VERSION\s+DIM\s+SUBSPACES\s+CLUSTERS\s+ACTIVE\s+TRAINED ON\s+CREATED AT$/,
    );
    expect(row).toMatch(/^IMAGE\s+1\s+16\s+4\s+8\s+yes\s+200\s+\d{4}-\d\d-\d\dT/);
    expect(rest).toEqual([]);
  }, 90_000);

  it('exports the active model and imports it back as version 2', async () => {
    const exported = join(dir, 'image-model.json');
    const exportRun = await lshql([...es, 'export', '--modality', 'image', '--out', exported]);
    expect(exportRun.code, exportRun.stderr).toBe(0);
    const stored = JSON.parse(await readFile(exported, 'utf8')) as Record<string, unknown>;
    expect(stored).toMatchObject({ modality: 'IMAGE', version: 1, model: { format: 2, dim: 16 } });

    const [before] = await backend.getItems([items[0]!.id]);
    expect(before?.modelVersions.IMAGE).toBe(1);

    const imported = await lshql([...es, 'import', exported, '--activate']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^imported IMAGE model version 2 \(active\)/);
    expect(imported.stdout).toMatch(/; re-hashed \d+ items$/m);

    const listed = JSON.parse(
      (await lshql([...es, 'models', '-m', 'IMAGE', '--json'])).stdout,
    ) as ModelRecord[];
    expect(listed.map((r) => [r.version, r.active])).toEqual([
      [1, false],
      [2, true],
    ]);
    // The items were re-hashed with version 2: the same centroids give the same tokens.
    const [item] = await backend.getItems([items[0]!.id]);
    expect(item?.modelVersions.IMAGE).toBe(2);
    expect(item?.tokens.IMAGE).toEqual(before?.tokens.IMAGE);

    // Version 1 is still there, exactly as exported (to stdout this time).
    const again = await lshql([...es, 'export', '--modality', 'IMAGE', '--version', '1']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(stored);
  }, 120_000);

  it('refuses bad model files with exit 2 and stores nothing', async () => {
    const exported = JSON.parse((await lshql([...es, 'export', '--modality', 'IMAGE'])).stdout) as {
      model: { centroids: string[] };
    };

    const broken = join(dir, 'broken-model.json');
    await writeFile(
      broken,
      JSON.stringify({ ...exported, model: { ...exported.model, centroids: ['AAAA'] } }),
    );
    const brokenRun = await lshql([...es, 'import', broken]);
    expect(brokenRun.code).toBe(2);
    expect(brokenRun.stderr).toMatch(
      /^error: .*broken-model\.json: invalid serialized LSH model: centroids/m,
    );
    noStackTrace(brokenRun);

    const notJson = join(dir, 'not-json.json');
    await writeFile(notJson, '{"modality": "IMAGE",');
    const notJsonRun = await lshql([...es, 'import', notJson]);
    expect(notJsonRun.code).toBe(2);
    expect(notJsonRun.stderr).toContain('is not valid JSON');

    // A 16-dimensional model cannot hash the stored 12-dimensional TEXT vectors.
    const bare = join(dir, 'bare-model.json');
    await writeFile(bare, JSON.stringify(exported.model));
    const mismatch = await lshql([...es, 'import', bare, '--modality', 'TEXT']);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('(DIMENSION_MISMATCH)');

    const listed = JSON.parse((await lshql([...es, 'models', '--json'])).stdout) as ModelRecord[];
    expect(listed.map((r) => `${r.modality}-${r.version}`)).toEqual(['IMAGE-1', 'IMAGE-2']);
  }, 120_000);

  it('exits 2 on usage errors', async () => {
    const noModality = await lshql([...es, 'train']);
    expect(noModality.code).toBe(2);
    expect(noModality.stderr).toContain(
      "required option '-m, --modality <modality>' not specified",
    );

    const badModality = await lshql([...es, 'train', '--modality', 'AUDIO']);
    expect(badModality.code).toBe(2);
    expect(badModality.stderr).toContain('expected one of IMAGE, TEXT');

    const badBatch = await lshql([...es, 'ingest', '-', '--batch-size', '0']);
    expect(badBatch.code).toBe(2);
  }, 90_000);

  it('exits 3 when Elasticsearch is unreachable, without waiting for the request timeout', async () => {
    // A request timeout longer than this test's own: a CLI that waited for it instead of
    // failing on the refused connection would never finish the three commands in time.
    const env = { LSHQL_ES_TIMEOUT_MS: '600000', LSHQL_ES_MAX_RETRIES: '0' };
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const file = join(dir, 'few.jsonl');
    await writeFile(
      file,
      `${items
        .slice(0, 3)
        .map((i) => JSON.stringify(i))
        .join('\n')}\n`,
    );

    for (const args of [['ingest', file], ['models'], ['train', '-m', 'TEXT']]) {
      const run = await lshql(['--elasticsearch', dead, '--index-prefix', prefix, ...args], {
        env,
      });
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(3);
      expect(run.stderr).toContain(`cannot reach Elasticsearch at ${dead}`);
      expect(run.stderr).toContain('(BACKEND_UNAVAILABLE)');
      noStackTrace(run);
    }
  }, 90_000);
});

describe('lshql CLI on the embedded backend, persisted in a file', () => {
  let dir: string;
  let store: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lshql-cli-embedded-'));
    store = join(dir, 'store.jsonl');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps what one invocation ingested for the next: ingest, train, models', async () => {
    // The last line repeats the first line's id, in another batch: as in one ingestItems call,
    // the first occurrence is kept and the later one fails; the summary counts what was stored.
    const repeated = { ...items[0]!, title: 'a later line with the same id' };
    const input = `${[...items.slice(0, 60), repeated].map((i) => JSON.stringify(i)).join('\n')}\n`;
    const ingested = await lshql(['ingest', '-', '--embedded-file', store, '--batch-size', '25'], {
      input,
    });
    expect(ingested.code, ingested.stderr).toBe(1);
    expect(ingested.stdout).toMatch(/^indexed 60, failed 1 \(61 lines of standard input/);
    expect(ingested.stdout).toContain(
      `line 61 (id "${items[0]!.id}"): BAD_USER_INPUT The id appears more than once in this file; only its first occurrence (line 1) was kept.`,
    );
    expect(existsSync(store)).toBe(true);
    const saved = new EmbeddedBackend({ file: store });
    await saved.init();
    expect(await saved.countItems()).toBe(60);
    expect((await saved.getItems([items[0]!.id]))[0]?.title).toBe(items[0]!.title);
    await saved.close();

    const trained = await lshql([
      '--embedded-file',
      store,
      'train',
      '--modality',
      'text',
      '--subspaces',
      '3',
      '--clusters',
      '4',
      '--json',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(JSON.parse(trained.stdout)).toMatchObject({
      modality: 'TEXT',
      version: 1,
      dim: 12,
      subspaces: 3,
      clusters: 4,
      trainedOn: 60,
      active: true,
    });

    // The file named through the environment this time.
    const listed = await lshql(['models', '--json'], { env: { LSHQL_EMBEDDED_FILE: store } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ modality: 'TEXT', version: 1, active: true, trainedOn: 60 }),
    ]);
    expect(listed.stderr).not.toContain('warning');

    const none = await lshql(['models', '--modality', 'IMAGE', '--embedded-file', store]);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('No IMAGE models stored yet.');
  }, 120_000);

  it('warns that nothing is kept without a file', async () => {
    const run = await lshql(['models']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('the embedded backend keeps nothing after this command');
  });
});
