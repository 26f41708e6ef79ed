import { describe, expect, it } from 'vitest';
import type { StoredItem } from '../../src/domain/item.js';
import { QueryItemCache } from '../../src/search/query-item-cache.js';

const item = (id: string): StoredItem => ({
  id,
  title: null,
  text: null,
  tags: [],
  modalities: [],
  vectors: {},
  tokens: {},
  modelVersions: {},
});

describe('QueryItemCache', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new QueryItemCache(2);
    cache.set('a', { item: item('a'), revision: 1 });
    cache.set('b', { item: item('b'), revision: 2 });
    expect(cache.get('a')?.revision).toBe(1); // a is now the most recent
    cache.set('c', { item: item('c'), revision: 3 });
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.revision).toBe(1);
    expect(cache.get('c')?.revision).toBe(3);
  });

  it('replaces an entry written again and keeps nothing at capacity 0', () => {
    const cache = new QueryItemCache(2);
    cache.set('a', { item: item('a'), revision: 1 });
    cache.set('a', { item: item('a'), revision: 5 });
    expect(cache.get('a')?.revision).toBe(5);
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    const off = new QueryItemCache(0);
    off.set('a', { item: item('a'), revision: 1 });
    expect(off.size).toBe(0);
  });
});
