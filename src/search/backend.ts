import type { Modality } from './modality.js';
import type { SimilarPlan } from './query-plan.js';
import type { ItemView, StoredItem } from './stored-item.js';
import type { StoredModel } from '../lsh/registry/model-record.js';

/** Outcome of writing one item; `error` is set when that item did not land. */
export interface ItemWriteResult {
  id: string;
  error?: { code: string; message: string };
}

/** The stored revision an item was read at; a write conditioned on it fails if it changed. */
export interface Revision {
  seqNo: number;
  primaryTerm: number;
}

export interface TokenUpdate {
  id: string;
  tokens: string[];
  version: number;
  revision?: Revision;
}

export interface VectorRow {
  id: string;
  vector: number[];
  revision?: Revision;
}

/** A candidate from the token match, with the vectors needed for exact re-ranking. */
export interface Candidate {
  item: ItemView;
  vectors: Partial<Record<Modality, number[]>>;
  tokenScore: number;
}

/** Where models live: immutable versions plus one active pointer per modality. */
export interface ModelStore {
  list(modality?: Modality): Promise<StoredModel[]>;
  get(modality: Modality, version: number): Promise<StoredModel | null>;
  /** Writes a new version; `false` when that version exists already (another instance won). */
  create(model: StoredModel): Promise<boolean>;
  getActiveVersion(modality: Modality): Promise<number | null>;
  setActiveVersion(modality: Modality, version: number): Promise<void>;
}

/**
 * A search backend: stores items and models and runs query plans. Elasticsearch in production,
 * an in-process index when no cluster is configured. Both must give the same answers.
 */
export interface SearchBackend {
  readonly kind: 'elasticsearch' | 'embedded';
  readonly models: ModelStore;
  /** Creates indexes when missing. Safe to call from several instances. */
  init(): Promise<void>;
  isReady(): Promise<boolean>;
  /** Items in the order of `ids`, null where unknown. Vectors only when asked for. */
  getItems(
    ids: readonly string[],
    options?: { withVectors?: boolean },
  ): Promise<(StoredItem | null)[]>;
  /** Creates or replaces items by id. */
  putItems(items: readonly StoredItem[]): Promise<ItemWriteResult[]>;
  /** Returns how many of `ids` existed. */
  deleteItems(ids: readonly string[]): Promise<number>;
  updateTokens(modality: Modality, updates: readonly TokenUpdate[]): Promise<ItemWriteResult[]>;
  /** Streams the stored vectors of one modality; with `exceptVersion`, skips items hashed by it. */
  scanVectors(
    modality: Modality,
    options: { batchSize: number; exceptVersion?: number },
  ): AsyncIterable<VectorRow[]>;
  /** Length of the stored vectors of a modality, null when none is stored. */
  storedDimension(modality: Modality): Promise<number | null>;
  countItems(): Promise<number>;
  executeSimilar(plan: SimilarPlan): Promise<Candidate[]>;
  /** Makes recent writes visible to search. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}
