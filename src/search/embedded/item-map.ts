import { toItemView, type ItemView, type StoredItem } from '../../domain/item.js';
import { MODALITIES, type Modality } from '../../domain/modalities.js';
import type { TokenFieldStats } from './more-like-this.js';

/** A copy the caller may mutate freely; absent fields get their stored defaults. */
export function copyItem(source: StoredItem, withVectors: boolean): StoredItem {
  const item: StoredItem = {
    id: source.id,
    title: source.title ?? null,
    text: source.text ?? null,
    tags: [...(source.tags ?? [])],
    modalities: [...(source.modalities ?? [])],
    vectors: {},
    tokens: {},
    modelVersions: {},
  };
  for (const m of MODALITIES) {
    const vector = source.vectors?.[m];
    if (withVectors && vector) item.vectors[m] = [...vector];
    // Like the Elasticsearch document: tokens are kept only together with their model version.
    const tokens = source.tokens?.[m];
    const version = source.modelVersions?.[m];
    if (tokens && version !== undefined) {
      item.tokens[m] = [...tokens];
      item.modelVersions[m] = version;
    }
  }
  return item;
}

/** The item as a hit shows it, in arrays of its own. */
export function copyView(item: StoredItem): ItemView {
  const view = toItemView(item);
  return { ...view, tags: [...view.tags], modalities: [...view.modalities] };
}

/** The distinct tokens an item holds in one modality's token field (an empty one is no term). */
function distinctTokens(item: StoredItem, modality: Modality): Set<string> {
  return new Set((item.tokens[modality] ?? []).filter((token) => token !== ''));
}

/** One token field's statistics, kept up to date as items come and go. */
class TokenCounts {
  readonly docFreq = new Map<string, number>();
  docCount = 0;
  sumDocFreq = 0;

  add(tokens: ReadonlySet<string>, delta: 1 | -1): void {
    if (tokens.size === 0) return;
    this.docCount += delta;
    this.sumDocFreq += delta * tokens.size;
    for (const token of tokens) {
      const next = (this.docFreq.get(token) ?? 0) + delta;
      if (next > 0) this.docFreq.set(token, next);
      else this.docFreq.delete(token);
    }
  }
}

/**
 * The stored items by id, in write order: each write puts its item last and gives it the next
 * sequence number (ties in a ranking go to the item written first, as Lucene prefers the lower
 * doc id). Also counts, per modality, which items hold which tokens. Stored items are never
 * mutated: a write stores a new object, so a snapshot of the values stays consistent.
 */
export class ItemMap {
  private readonly items = new Map<string, StoredItem>();
  private readonly seqNos = new Map<string, number>();
  private readonly counts = new Map<Modality, TokenCounts>(
    MODALITIES.map((m) => [m, new TokenCounts()]),
  );
  private nextSeqNo = 0;

  get size(): number {
    return this.items.size;
  }

  get(id: string): StoredItem | undefined {
    return this.items.get(id);
  }

  /** The item's place in write order (higher: written later); 0 when unknown. */
  seqNo(id: string): number {
    return this.seqNos.get(id) ?? 0;
  }

  /** The items in write order. */
  values(): StoredItem[] {
    return [...this.items.values()];
  }

  ids(): string[] {
    return [...this.items.keys()];
  }

  /** Stores `item` (nothing else may reference it) as written last; returns the one replaced. */
  set(item: StoredItem): StoredItem | undefined {
    const previous = this.delete(item.id);
    this.items.set(item.id, item);
    this.seqNos.set(item.id, ++this.nextSeqNo);
    for (const m of MODALITIES) this.countsOf(m).add(distinctTokens(item, m), 1);
    return previous;
  }

  /** Removes the item; returns it, or undefined when there was none. */
  delete(id: string): StoredItem | undefined {
    const item = this.items.get(id);
    if (!item) return undefined;
    for (const m of MODALITIES) this.countsOf(m).add(distinctTokens(item, m), -1);
    this.items.delete(id);
    this.seqNos.delete(id);
    return item;
  }

  /** Moves the item to the end of the write order, as writing it again unchanged would. */
  touch(id: string): void {
    const item = this.items.get(id);
    if (!item) return;
    this.items.delete(id);
    this.items.set(id, item);
    this.seqNos.set(id, ++this.nextSeqNo);
  }

  /** The statistics term selection and scoring read of one modality's token field. */
  tokenStats(modality: Modality): TokenFieldStats {
    const counts = this.countsOf(modality);
    return {
      numDocs: this.items.size,
      docCount: counts.docCount,
      sumDocFreq: counts.sumDocFreq,
      docFreq: (term) => counts.docFreq.get(term) ?? 0,
    };
  }

  private countsOf(modality: Modality): TokenCounts {
    const counts = this.counts.get(modality);
    if (!counts) throw new Error(`unknown modality ${String(modality)}`);
    return counts;
  }
}
