import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBackend } from '../../../src/search/embedded/embedded-backend.js';
import { SnapshotFile } from '../../../src/search/embedded/snapshot-file.js';
import type { StoredItem } from '../../../src/domain/item.js';
import { item, model, plan, tokensClause } from './helpers.js';

describe('EmbeddedBackend persistence', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lshql-embedded-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips items, models and active versions through the file', async () => {
    const file = join(dir, 'nested', 'store.jsonl');
    const first = new EmbeddedBackend({ file });
    await first.init();
    await first.putItems([
      item('a', { title: 'Red apple', image: ['3-14', '1-1'], imageVector: [0.5, -1.25] }),
      item('b', { title: 'Green pear', image: ['3-14', '2-2'], textTokens: ['7-7'] }),
      item('gone', { title: 'deleted', image: ['3-14'] }),
    ]);
    await first.deleteItems(['gone']);
    await first.models.create(model('IMAGE', 1));
    // Version 1 hashes b's vector [1, 0] to ['3-14', '2-3'] (and a's to its own tokens).
    await first.activateModel('IMAGE', 1, async (vectors) =>
      vectors.map((v) => (v[0] === 1 ? ['3-14', '2-3'] : ['3-14', '1-1'])),
    );
    await first.close();
    expect(await readdir(join(dir, 'nested'))).toEqual(['store.jsonl']);

    const second = new EmbeddedBackend({ file });
    await second.init();
    try {
      expect(await second.countItems()).toBe(2);
      expect(await second.getItems(['a', 'b', 'gone'], { withVectors: true })).toEqual([
        item('a', { title: 'Red apple', image: ['3-14', '1-1'], imageVector: [0.5, -1.25] }),
        {
          id: 'b',
          title: 'Green pear',
          text: null,
          tags: [],
          modalities: ['IMAGE', 'TEXT'],
          vectors: { IMAGE: [1, 0], TEXT: [0, 1] },
          tokens: { IMAGE: ['3-14', '2-3'], TEXT: ['7-7'] },
          modelVersions: { IMAGE: 1, TEXT: 1 },
        },
        null,
      ]);
      expect(await second.models.get('IMAGE', 1)).toEqual(model('IMAGE', 1));
      expect((await second.generation()).versions).toEqual({ IMAGE: 1 });
      expect(await second.models.create(model('IMAGE', 1))).toBe(false);
      // The reloaded index searches like the original.
      const hits = await second.executeSimilar(
        plan([tokensClause(['3-14', '1-1'])], { excludeIds: ['a'], textFilter: 'PEAR' }),
      );
      expect(hits.map((c) => c.item.id)).toEqual(['b']);
    } finally {
      await second.close();
    }
  });

  it('keeps the write order, which ties go by, across a reload', async () => {
    const file = join(dir, 'store.jsonl');
    const first = new EmbeddedBackend({ file });
    await first.init();
    await first.putItems([item('a', { image: ['0-1'] }), item('b', { image: ['0-1'] })]);
    await first.putItems([item('a', { image: ['0-1'] })]);
    await first.close();

    const second = new EmbeddedBackend({ file });
    await second.init();
    const hits = await second.executeSimilar(plan([tokensClause(['0-1'])]));
    expect(hits.map((c) => c.item.id)).toEqual(['b', 'a']);
    await second.close();
  });

  it('saves on its own shortly after a write, and starts empty without a file', async () => {
    const file = join(dir, 'store.jsonl');
    const writer = new EmbeddedBackend({ file, saveDelayMs: 20 });
    await writer.init();
    expect(await writer.countItems()).toBe(0);
    await writer.putItems([item('a', { image: ['0-1'] })]);
    // No close() or flush(): the debounced save writes the file by itself.
    for (let waited = 0; !(await readdir(dir)).includes('store.jsonl'); waited += 20) {
      if (waited > 5000) throw new Error('the store was never saved');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const reader = new EmbeddedBackend({ file });
    await reader.init();
    expect(await reader.countItems()).toBe(1);
    await reader.close();
    await writer.close();
  });

  it('writes on flush() and refuses a truncated or foreign file', async () => {
    const file = join(dir, 'store.jsonl');
    const writer = new EmbeddedBackend({ file, saveDelayMs: 60_000 });
    await writer.init();
    await writer.putItems([item('a', { image: ['0-1'] }), item('b', { image: ['0-2'] })]);
    await writer.flush();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[0]!)).toMatchObject({ format: 1, items: 2 });
    await writer.close();

    await writeFile(file, `${lines.slice(0, 2).join('\n')}\n`);
    await expect(new EmbeddedBackend({ file }).init()).rejects.toThrow(/truncated: 1 of 2/);
    await writeFile(file, `${JSON.stringify({ format: 99, items: 0 })}\n`);
    await expect(new EmbeddedBackend({ file }).init()).rejects.toThrow(/format 99/);
  });

  it('saves nothing while the file loads: a change noted early waits for every item', async () => {
    const file = join(dir, 'store.jsonl');
    const items = Array.from({ length: 20_000 }, (_, i) => item(`i${i}`, { title: `item ${i}` }));
    const writer = new SnapshotFile(file, 0, () => ({ models: [], active: {}, jobs: [], items }));
    writer.changed();
    await writer.close();
    // The backend notes a change while reading the header (jobs that ran are now FAILED); the
    // save must not run before the last item is read, nor after a failed load.
    const loaded: StoredItem[] = [];
    const reader = new SnapshotFile(file, 1, () => ({
      models: [],
      active: {},
      jobs: [],
      items: loaded,
    }));
    await reader.load(
      () => reader.changed(),
      (stored) => loaded.push(stored),
    );
    await reader.close();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(20_001);
    expect(loaded).toHaveLength(20_000);

    await writeFile(file, `${JSON.stringify({ format: 1, items: 3, models: [], active: {} })}\n`);
    const broken = new SnapshotFile(file, 1, () => ({
      models: [],
      active: {},
      jobs: [],
      items: [],
    }));
    await expect(
      broken.load(
        () => broken.changed(),
        () => undefined,
      ),
    ).rejects.toThrow(/truncated/);
    await broken.close();
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(1);
  });
});
