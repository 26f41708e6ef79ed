import type { StoredItem } from '../domain/item.js';

/** A query item as last read, with the revision that read saw. */
export interface CachedQueryItem {
  item: StoredItem;
  revision: number;
}

/**
 * The query items of recent `similar` requests, so that a repeated one need not be read again:
 * a bounded least-recently-used map keyed by item id. An entry is only a guess: the search that
 * uses it also checks, in the same round trip, that the item still has the cached revision.
 */
export class QueryItemCache {
  private readonly entries = new Map<string, CachedQueryItem>();

  constructor(private readonly capacity: number) {}

  get(id: string): CachedQueryItem | undefined {
    const entry = this.entries.get(id);
    if (entry) {
      // Most recently used last: Map keeps insertion order.
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  set(id: string, entry: CachedQueryItem): void {
    if (this.capacity < 1) return;
    this.entries.delete(id);
    this.entries.set(id, entry);
    while (this.entries.size > this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
    }
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
