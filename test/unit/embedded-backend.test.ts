import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredModel } from '../../src/models/model-record.js';
import type { VectorRow } from '../../src/search/backend.js';
import {
  EmbeddedBackend,
  analyseWords,
  minimumShouldMatchCount,
} from '../../src/search/embedded/embedded-backend.js';
import type { Modality } from '../../src/domain/modalities.js';
import type {
  MoreLikeThisSettings,
  SimilarPlan,
  TokenClause,
} from '../../src/search/query-plan.js';
import type { StoredItem } from '../../src/domain/item.js';

interface ItemSpec {
  title?: string | null;
  text?: string | null;
  image?: string[];
  textTokens?: string[];
  imageVector?: number[];
  textVector?: number[];
  version?: number;
}

function item(id: string, spec: ItemSpec = {}): StoredItem {
  const version = spec.version ?? 1;
  const stored: StoredItem = {
    id,
    title: spec.title ?? null,
    text: spec.text ?? null,
    tags: [],
    modalities: [],
    vectors: {},
    tokens: {},
    modelVersions: {},
  };
  const image = spec.imageVector ?? (spec.image ? [1, 0] : undefined);
  if (image) {
    stored.modalities.push('IMAGE');
    stored.vectors.IMAGE = image;
  }
  if (spec.image) {
    stored.tokens.IMAGE = spec.image;
    stored.modelVersions.IMAGE = version;
  }
  const text = spec.textVector ?? (spec.textTokens ? [0, 1] : undefined);
  if (text) {
    stored.modalities.push('TEXT');
    stored.vectors.TEXT = text;
  }
  if (spec.textTokens) {
    stored.tokens.TEXT = spec.textTokens;
    stored.modelVersions.TEXT = version;
  }
  return stored;
}

const MLT: MoreLikeThisSettings = {
  minTermFreq: 1,
  minDocFreq: 1,
  maxQueryTerms: 64,
  minimumShouldMatch: '1',
};

function tokensClause(tokens: string[], modality: Modality = 'IMAGE', boost = 1): TokenClause {
  return { modality, tokens, boost };
}

function plan(clauses: TokenClause[], extra: Partial<SimilarPlan> = {}): SimilarPlan {
  return {
    clauses,
    textFilter: null,
    excludeIds: [],
    candidates: 100,
    mlt: MLT,
    vectorsFor: [],
    ...extra,
    ...(extra.mlt ? { mlt: { ...MLT, ...extra.mlt } } : {}),
  };
}

describe('EmbeddedBackend', () => {
  let backend: EmbeddedBackend;

  beforeEach(async () => {
    backend = new EmbeddedBackend();
    await backend.init();
  });
  afterEach(async () => {
    await backend.close();
  });

  const ids = async (p: SimilarPlan) => (await backend.executeSimilar(p)).map((c) => c.item.id);

  describe('items', () => {
    it('puts, gets (in order, null where unknown), replaces and deletes items', async () => {
      const results = await backend.putItems([
        item('a', { title: 'Alpha', image: ['0-1', '1-2'] }),
        item('b', { title: 'Beta', image: ['0-1', '1-3'] }),
      ]);
      expect(results).toEqual([{ id: 'a' }, { id: 'b' }]);
      expect(await backend.countItems()).toBe(2);

      const [b, missing, a] = await backend.getItems(['b', 'nope', 'a']);
      expect(missing).toBeNull();
      expect(a).toMatchObject({ id: 'a', title: 'Alpha', tokens: { IMAGE: ['0-1', '1-2'] } });
      expect(b?.modelVersions).toEqual({ IMAGE: 1 });
      // Vectors only when asked for.
      expect(a?.vectors).toEqual({});
      const [withVectors] = await backend.getItems(['a'], { withVectors: true });
      expect(withVectors?.vectors).toEqual({ IMAGE: [1, 0] });

      // Replacing: the old tokens and title no longer match, the new ones do.
      await backend.putItems([item('a', { title: 'Gamma', image: ['7-7'] })]);
      expect(await backend.countItems()).toBe(2);
      expect((await backend.getItems(['a']))[0]?.title).toBe('Gamma');
      expect(await ids(plan([tokensClause(['1-2'])]))).toEqual([]);
      expect(await ids(plan([tokensClause(['7-7'])]))).toEqual(['a']);
      expect(await ids(plan([tokensClause(['0-1'])], { textFilter: 'alpha' }))).toEqual([]);
      expect(await ids(plan([tokensClause(['7-7'])], { textFilter: 'gamma' }))).toEqual(['a']);

      expect(await backend.deleteItems(['a', 'zzz', 'a'])).toBe(1);
      expect(await backend.countItems()).toBe(1);
      expect(await backend.getItems(['a'])).toEqual([null]);
      expect(await ids(plan([tokensClause(['7-7', '0-1'])]))).toEqual(['b']);
    });

    it('returns copies: callers cannot change what is stored', async () => {
      const input = item('a', { title: 'Alpha', image: ['0-1'] });
      await backend.putItems([input]);
      input.title = 'changed';
      input.tokens.IMAGE!.push('9-9');
      input.vectors.IMAGE![0] = 42;

      const [read] = await backend.getItems(['a'], { withVectors: true });
      expect(read).toMatchObject({
        title: 'Alpha',
        tokens: { IMAGE: ['0-1'] },
        vectors: { IMAGE: [1, 0] },
      });
      read!.tokens.IMAGE!.push('8-8');
      read!.vectors.IMAGE![0] = 7;
      read!.tags.push('x');

      const [candidate] = await backend.executeSimilar(
        plan([tokensClause(['0-1'])], { vectorsFor: ['IMAGE'] }),
      );
      candidate!.vectors.IMAGE![1] = 5;
      candidate!.item.tags.push('y');

      const [again] = await backend.getItems(['a'], { withVectors: true });
      expect(again).toMatchObject({
        tags: [],
        tokens: { IMAGE: ['0-1'] },
        vectors: { IMAGE: [1, 0] },
      });
      expect(await ids(plan([tokensClause(['9-9', '8-8'])]))).toEqual([]);
    });

    it('reports the stored dimension per modality', async () => {
      expect(await backend.storedDimension('IMAGE')).toBeNull();
      await backend.putItems([item('a', { imageVector: [1, 2, 3] })]);
      expect(await backend.storedDimension('IMAGE')).toBe(3);
      expect(await backend.storedDimension('TEXT')).toBeNull();
      expect(await backend.isReady()).toBe(true);
    });
  });

  describe('executeSimilar', () => {
    it('keeps LSH tokens whole: "3-14" matches neither "3-1" + "14" nor "3-140"', async () => {
      await backend.putItems([
        item('split', { image: ['3-1', '14'] }),
        item('longer', { image: ['3-140'] }),
        item('prefix', { image: ['3-14x'] }),
        item('exact', { image: ['3-14'] }),
      ]);
      expect(await ids(plan([tokensClause(['3-14'])]))).toEqual(['exact']);
      expect(await ids(plan([tokensClause(['3-1'])]))).toEqual(['split']);
      expect(await ids(plan([tokensClause(['14'])]))).toEqual(['split']);
    });

    it('keeps tokens of one modality apart from the other', async () => {
      await backend.putItems([
        item('img', { image: ['0-1'] }),
        item('txt', { textTokens: ['0-1'] }),
      ]);
      expect(await ids(plan([tokensClause(['0-1'], 'IMAGE')]))).toEqual(['img']);
      expect(await ids(plan([tokensClause(['0-1'], 'TEXT')]))).toEqual(['txt']);
    });

    it('ranks an item sharing more tokens above one sharing fewer', async () => {
      const query = ['0-0', '1-0', '2-0', '3-0'];
      await backend.putItems([
        item('one', { image: ['0-0', '1-9', '2-9', '3-9'] }),
        item('three', { image: ['0-0', '1-0', '2-0', '3-8'] }),
        item('two', { image: ['0-0', '1-0', '2-7', '3-7'] }),
        item('four', { image: ['0-0', '1-0', '2-0', '3-0'] }),
        item('none', { image: ['0-5', '1-5', '2-5', '3-5'] }),
      ]);
      const candidates = await backend.executeSimilar(plan([tokensClause(query)]));
      expect(candidates.map((c) => c.item.id)).toEqual(['four', 'three', 'two', 'one']);
      const scores = candidates.map((c) => c.tokenScore);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(scores.every((s) => s > 0)).toBe(true);
    });

    it('scores like a Lucene boolean OR: the plain sum over matched tokens and clauses', async () => {
      await backend.putItems([
        item('hit', { image: ['0-1', '1-1', '2-9'], textTokens: ['0-2'] }),
        item('f1', { image: ['0-1', '1-5', '2-5'], textTokens: ['0-5'] }),
        item('f2', { image: ['0-6', '1-1', '2-6'], textTokens: ['0-2'] }),
        item('f3', { image: ['0-7', '1-7', '2-7'], textTokens: ['0-7'] }),
      ]);
      const scoreOf = async (clauses: TokenClause[]) =>
        (await backend.executeSimilar(plan(clauses))).find((c) => c.item.id === 'hit')!.tokenScore;
      const first = await scoreOf([tokensClause(['0-1'])]);
      const second = await scoreOf([tokensClause(['1-1'])]);
      const text = await scoreOf([tokensClause(['0-2'], 'TEXT')]);
      // No coordination factor (MiniSearch's "× matched terms" is divided out).
      expect(await scoreOf([tokensClause(['0-1', '1-1'])])).toBeCloseTo(first + second, 10);
      expect(
        await scoreOf([tokensClause(['0-1', '1-1']), tokensClause(['0-2'], 'TEXT', 2)]),
      ).toBeCloseTo(first + second + 2 * text, 10);
    });

    it('breaks score ties by write order, like Lucene’s doc ids', async () => {
      await backend.putItems([item('z', { image: ['0-1'] }), item('a', { image: ['0-1'] })]);
      expect(await ids(plan([tokensClause(['0-1'])]))).toEqual(['z', 'a']);
      await backend.putItems([item('z', { image: ['0-1'] })]);
      expect(await ids(plan([tokensClause(['0-1'])]))).toEqual(['a', 'z']);
    });

    it("with an item's own tokens and its id excluded, never returns the item itself", async () => {
      await backend.putItems([
        item('q', { image: ['0-1', '1-1', '2-1'] }),
        item('close', { image: ['0-1', '1-1', '2-9'] }),
        item('far', { image: ['0-1', '1-8', '2-9'] }),
        item('other', { image: ['0-7', '1-7', '2-7'] }),
      ]);
      const own = plan([tokensClause(['0-1', '1-1', '2-1'])], { excludeIds: ['q'] });
      expect(await ids(own)).toEqual(['close', 'far']);
    });

    it('respects excludeIds and returns at most `candidates` hits with the asked vectors', async () => {
      await backend.putItems([
        item('a', { image: ['0-1'], textTokens: ['5-5'] }),
        item('b', { image: ['0-1'], textTokens: ['5-5'] }),
        item('c', { image: ['0-1'], textTokens: ['5-5'] }),
      ]);
      expect((await ids(plan([tokensClause(['0-1'])], { excludeIds: ['b'] }))).sort()).toEqual([
        'a',
        'c',
      ]);
      const limited = await backend.executeSimilar(
        plan([tokensClause(['0-1'])], { candidates: 2, vectorsFor: ['TEXT'] }),
      );
      expect(limited).toHaveLength(2);
      for (const candidate of limited) {
        expect(candidate.vectors).toEqual({ TEXT: [0, 1] });
        expect(candidate.item).toEqual({
          id: candidate.item.id,
          title: null,
          text: null,
          tags: [],
          modalities: ['IMAGE', 'TEXT'],
        });
      }
    });

    it('adds up clause scores times their boosts across modalities', async () => {
      await backend.putItems([
        item('both', { image: ['0-1'], textTokens: ['0-2'] }),
        item('image-only', { image: ['0-1'], textTokens: ['0-9'] }),
        item('text-only', { image: ['0-8'], textTokens: ['0-2'] }),
        item('filler', { image: ['0-7'], textTokens: ['0-7'] }),
      ]);
      const clauses = (imageBoost: number, textBoost: number) => [
        tokensClause(['0-1'], 'IMAGE', imageBoost),
        tokensClause(['0-2'], 'TEXT', textBoost),
      ];
      expect((await ids(plan(clauses(1, 1))))[0]).toBe('both');
      expect(await ids(plan(clauses(1, 5)))).toEqual(['both', 'text-only', 'image-only']);
      expect(await ids(plan(clauses(5, 1)))).toEqual(['both', 'image-only', 'text-only']);
      // A zero boost still matches (like Elasticsearch), it only adds nothing to the score.
      const zero = await backend.executeSimilar(plan(clauses(0, 1)));
      expect(zero.find((c) => c.item.id === 'image-only')?.tokenScore).toBe(0);
    });

    describe('text filter', () => {
      beforeEach(async () => {
        await backend.putItems([
          item('title-and-text', {
            title: 'Red bicycle',
            text: 'A fast APPLE-green frame',
            image: ['0-1'],
          }),
          item('text-only', { title: 'Blue car', text: 'red and apple', image: ['0-1'] }),
          item('red-only', { title: 'Red', text: 'nothing else', image: ['0-1'] }),
          item('apple-only', { title: null, text: 'apple pie', image: ['0-1'] }),
          item('syntax', { title: 'title:foo and bar', text: 'or "baz"', image: ['0-1'] }),
          item('plain', { title: 'foo bar baz', text: null, image: ['0-1'] }),
          item('no-tokens', { title: 'red apple' }),
        ]);
      });

      const filtered = async (textFilter: string) =>
        (await ids(plan([tokensClause(['0-1'])], { textFilter }))).sort();

      it('requires every word, each in the title or the text, case-insensitively', async () => {
        expect(await filtered('red apple')).toEqual(['text-only', 'title-and-text']);
        expect(await filtered('RED Apple')).toEqual(['text-only', 'title-and-text']);
        expect(await filtered('apple')).toEqual(['apple-only', 'text-only', 'title-and-text']);
        expect(await filtered('red bicycle green')).toEqual(['title-and-text']);
        expect(await filtered('red appl')).toEqual([]);
        expect(await filtered('unicorn')).toEqual([]);
      });

      it('treats query syntax as plain words and never fails on it', async () => {
        expect(await filtered('title:foo AND (bar OR "baz")')).toEqual(['syntax']);
        expect(await filtered('foo bar baz')).toEqual(['plain']);
        for (const odd of [
          '*',
          '"',
          '(',
          'foo~2',
          'a:b:c',
          '\\',
          '+-!',
          '/[a-z]+/',
          'AND OR NOT',
        ]) {
          await expect(filtered(odd)).resolves.toBeInstanceOf(Array);
        }
        // No words at all match nothing (Elasticsearch's zero_terms_query: none).
        expect(await filtered('*')).toEqual([]);
      });

      it('analyses words like the standard analyser', () => {
        expect(analyseWords("Hello, World! 3.14 don't e-mail")).toEqual([
          'Hello',
          'World',
          '3.14',
          "don't",
          'e',
          'mail',
        ]);
        expect(analyseWords('*')).toEqual([]);
      });
    });

    describe('more_like_this settings', () => {
      beforeEach(async () => {
        // "common" is held by all 6 items, "rare-*" by one or two each.
        await backend.putItems([
          item('q', { image: ['common', 'rare-1', 'rare-2', 'rare-3'] }),
          item('shares-common', { image: ['common', 'x-1', 'x-2', 'x-3'] }),
          item('shares-rare-1', { image: ['common', 'rare-1', 'y-2', 'y-3'] }),
          item('shares-rare-12', { image: ['common', 'rare-1', 'rare-2', 'z-3'] }),
          item('filler-1', { image: ['common', 'f-1', 'f-2', 'f-3'] }),
          item('filler-2', { image: ['common', 'g-1', 'g-2', 'g-3'] }),
        ]);
      });

      const similarTo = (mlt: Partial<MoreLikeThisSettings>) =>
        ids(
          plan([tokensClause(['common', 'rare-1', 'rare-2', 'rare-3'])], {
            excludeIds: ['q'],
            mlt: { ...MLT, ...mlt },
          }),
        );

      it('maxDocFreq drops tokens most items share', async () => {
        expect(await similarTo({})).toHaveLength(5);
        expect(await similarTo({ maxDocFreq: 5 })).toEqual(['shares-rare-12', 'shares-rare-1']);
      });

      it('minDocFreq drops tokens held by too few items (the query item counts)', async () => {
        // rare-3 is held by q only, rare-2 by two items, rare-1 by three.
        expect((await similarTo({ minDocFreq: 3, maxDocFreq: 5 })).sort()).toEqual([
          'shares-rare-1',
          'shares-rare-12',
        ]);
        expect(await similarTo({ minDocFreq: 4, maxDocFreq: 5 })).toEqual([]);
      });

      it('minTermFreq 2 (the Elasticsearch default) drops every token of an item', async () => {
        expect(await similarTo({ minTermFreq: 2 })).toEqual([]);
      });

      it('maxQueryTerms keeps the rarest tokens', async () => {
        // The best by idf: rare-3 (df 1), then rare-2 (df 2): only shares-rare-12 holds rare-2.
        expect(await similarTo({ maxQueryTerms: 2 })).toEqual(['shares-rare-12']);
        expect(await similarTo({ maxQueryTerms: 3 })).toEqual(['shares-rare-12', 'shares-rare-1']);
      });

      it('minimumShouldMatch counts matched query terms per item', async () => {
        expect(await similarTo({ minimumShouldMatch: '2' })).toEqual([
          'shares-rare-12',
          'shares-rare-1',
        ]);
        expect(await similarTo({ minimumShouldMatch: '3' })).toEqual(['shares-rare-12']);
        expect(await similarTo({ minimumShouldMatch: '75%' })).toEqual(['shares-rare-12']);
        expect(await similarTo({ minimumShouldMatch: '100%' })).toEqual([]);
        expect(await similarTo({ minimumShouldMatch: '-3' })).toHaveLength(5);
        expect(await similarTo({ minimumShouldMatch: '5' })).toEqual([]);
      });

      it('computes minimum_should_match like Elasticsearch', () => {
        expect(minimumShouldMatchCount(10, '1')).toBe(1);
        expect(minimumShouldMatchCount(10, '30%')).toBe(3);
        expect(minimumShouldMatchCount(7, '50%')).toBe(3);
        expect(minimumShouldMatchCount(10, '-2')).toBe(8);
        expect(minimumShouldMatchCount(7, '-25%')).toBe(6);
        expect(minimumShouldMatchCount(3, '2<75%')).toBe(2);
        expect(minimumShouldMatchCount(2, '2<75%')).toBe(2);
        expect(minimumShouldMatchCount(20, '3<-1 10<50%')).toBe(10);
        expect(minimumShouldMatchCount(2, '-5')).toBe(0);
        expect(() => minimumShouldMatchCount(3, 'lots')).toThrow(/minimum_should_match/);
      });
    });
  });

  describe('scanVectors and activateModel', () => {
    const collect = async (modality: Modality, options: { batchSize: number }) => {
      const batches: VectorRow[][] = [];
      for await (const rows of backend.scanVectors(modality, options)) batches.push(rows);
      return batches;
    };
    // A stand-in for a model: one token naming the vector's first value.
    const hashByFirstValue = async (vectors: readonly (readonly number[])[]) =>
      vectors.map((v) => [`0-${v[0]}`]);

    beforeEach(async () => {
      await backend.putItems([
        item('d', { imageVector: [4, 4] }),
        item('b', { image: ['0-1'], imageVector: [2, 2], version: 1 }),
        item('a', { image: ['0-1'], imageVector: [1, 1], version: 2 }),
        item('c', { imageVector: [3, 3], textVector: [3] }),
        item('e', { textVector: [5] }),
      ]);
    });

    it('yields batches in id order', async () => {
      const batches = await collect('IMAGE', { batchSize: 3 });
      expect(batches.map((rows) => rows.map((r) => r.id))).toEqual([['a', 'b', 'c'], ['d']]);
      expect(batches[0]?.[2]?.vector).toEqual([3, 3]);
      expect((await collect('TEXT', { batchSize: 10 })).flat().map((r) => r.id)).toEqual([
        'c',
        'e',
      ]);
    });

    it('re-hashes every item of the modality and activates the version in one step', async () => {
      expect((await backend.generation()).versions).toEqual({});
      const progress: number[] = [];
      const rehashed = await backend.activateModel('IMAGE', 3, hashByFirstValue, (n) =>
        progress.push(n),
      );
      expect(rehashed).toBe(4);
      expect(progress.at(-1)).toBe(4);
      expect((await backend.generation()).versions).toEqual({ IMAGE: 3 });
      const stored = await backend.getItems(['a', 'b', 'c', 'd', 'e']);
      expect(stored.map((s) => [s?.tokens.IMAGE, s?.modelVersions.IMAGE])).toEqual([
        [['0-1'], 3],
        [['0-2'], 3],
        [['0-3'], 3],
        [['0-4'], 3],
        [undefined, undefined],
      ]);
      expect(await ids(plan([tokensClause(['0-3'])]))).toEqual(['c']);
      expect(await ids(plan([tokensClause(['0-1'])]))).toEqual(['a']);
    });

    it('hashes items written during the activation with the new model too', async () => {
      const activation = backend.activateModel('IMAGE', 4, hashByFirstValue);
      // Written while the activation yields: hashed by the old model (none here).
      await backend.putItems([
        item('f', { imageVector: [6, 6] }),
        item('a', { imageVector: [7, 7] }),
      ]);
      await activation;
      const [f, a] = await backend.getItems(['f', 'a']);
      expect(f).toMatchObject({ tokens: { IMAGE: ['0-6'] }, modelVersions: { IMAGE: 4 } });
      expect(a).toMatchObject({ tokens: { IMAGE: ['0-7'] }, modelVersions: { IMAGE: 4 } });
    });
  });

  describe('models', () => {
    const model = (modality: Modality, version: number): StoredModel => ({
      modality,
      version,
      createdAt: '2024-01-01T00:00:00.000Z',
      model: {
        format: 2,
        dim: 4,
        rotatedDim: 4,
        subspaces: 2,
        clusters: 2,
        metric: 'cosine',
        rotate: false,
        seed: 1,
        maxIterations: 10,
        trainedOn: 4,
        bounds: [0, 2, 4],
        rotation: null,
        centroids: ['AAAAAA==', 'AAAAAA=='],
      },
    });

    it('keeps versions immutable: creating an existing version returns false', async () => {
      expect(await backend.models.create(model('IMAGE', 1))).toBe(true);
      expect(await backend.models.create(model('IMAGE', 1))).toBe(false);
      expect(await backend.models.create(model('TEXT', 1))).toBe(true);
      expect(await backend.models.create(model('IMAGE', 2))).toBe(true);

      const listed = await backend.models.list();
      expect(listed.map((m) => `${m.modality}:${m.version}`)).toEqual([
        'IMAGE:2',
        'IMAGE:1',
        'TEXT:1',
      ]);
      expect((await backend.models.list('TEXT')).map((m) => m.version)).toEqual([1]);
      expect(await backend.models.get('IMAGE', 2)).toEqual(model('IMAGE', 2));
      expect(await backend.models.get('TEXT', 9)).toBeNull();

      // Reads are copies.
      listed[0]!.model.dim = 99;
      expect((await backend.models.get('IMAGE', 2))?.model.dim).toBe(4);
    });

    it('holds one active version per modality', async () => {
      expect((await backend.generation()).versions).toEqual({});
      backend.models.activate('IMAGE', 1);
      backend.models.activate('IMAGE', 2);
      backend.models.activate('TEXT', 1);
      expect((await backend.generation()).versions).toEqual({ IMAGE: 2, TEXT: 1 });
    });

    describe('persistence', () => {
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
          expect(
            (
              await second.executeSimilar(
                plan([tokensClause(['3-14', '1-1'])], { excludeIds: ['a'], textFilter: 'PEAR' }),
              )
            ).map((c) => c.item.id),
          ).toEqual(['b']);
        } finally {
          await second.close();
        }
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
    });
  });
});
