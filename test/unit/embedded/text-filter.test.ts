import { beforeEach, describe, expect, it } from 'vitest';
import { analyseWords } from '../../../src/search/embedded/analyser.js';
import { item, plan, tokensClause, useBackend } from './helpers.js';

describe('EmbeddedBackend text filter', () => {
  const t = useBackend();

  beforeEach(async () => {
    await t.backend.putItems([
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
    (await t.ids(plan([tokensClause(['0-1'])], { textFilter }))).sort();

  it('requires every word, each in the title or the text, case-insensitively', async () => {
    expect(await filtered('red apple')).toEqual(['text-only', 'title-and-text']);
    expect(await filtered('RED')).toEqual(['red-only', 'text-only', 'title-and-text']);
    expect(await filtered('red bicycle green')).toEqual(['title-and-text']);
    expect(await filtered('red appl')).toEqual([]);
    expect(await filtered('unicorn')).toEqual([]);
  });

  it('treats query syntax as plain words and never fails on it', async () => {
    expect(await filtered('title:foo AND (bar OR "baz")')).toEqual(['syntax']);
    expect(await filtered('foo bar baz')).toEqual(['plain']);
    for (const odd of ['*', '"', '(', 'foo~2', 'a:b:c', '\\', '+-!', '/[a-z]+/', 'AND OR NOT']) {
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
    expect(analyseWords('日本語 かな')).toEqual(['日', '本', '語', 'か', 'な']);
    expect(analyseWords('x'.repeat(300)).map((w) => w.length)).toEqual([255, 45]);
    expect(analyseWords('*')).toEqual([]);
  });
});
