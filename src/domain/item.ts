import type { Modality } from './modalities.js';

/** What the GraphQL `Item` type shows: the item without its vectors and tokens. */
export interface ItemView {
  id: string;
  title: string | null;
  text: string | null;
  tags: string[];
  /** Modalities the item has a vector for. */
  modalities: Modality[];
}

/** An item as stored by a backend: its text, its vectors and, once hashed, its LSH tokens. */
export interface StoredItem extends ItemView {
  vectors: Partial<Record<Modality, number[]>>;
  tokens: Partial<Record<Modality, string[]>>;
  /** Version of the model that produced `tokens[m]`; absent when not hashed yet. */
  modelVersions: Partial<Record<Modality, number>>;
  /** When the backend last wrote it (Elasticsearch's external version); absent elsewhere. */
  revision?: number;
}

export function toItemView(item: ItemView): ItemView {
  return {
    id: item.id,
    title: item.title,
    text: item.text,
    tags: item.tags,
    modalities: item.modalities,
  };
}
