import type { Modality } from './modality.js';
import type { SimilarPlan } from './query-plan.js';
import type { ItemView, StoredItem } from './stored-item.js';
import type { StoredModel } from '../lsh/registry/model-record.js';

/** The write error of an item aimed at a generation replaced meanwhile; the writer retries it. */
export const STALE_GENERATION = 'STALE_GENERATION';

/** Outcome of writing one item; `error` is set when that item did not land. */
export interface ItemWriteResult {
  id: string;
  error?: { code: string; message: string };
}

export interface VectorRow {
  id: string;
  vector: number[];
}

/** A candidate from the token match: its exact score when the plan ranks, else its vectors. */
export interface Candidate {
  item: ItemView;
  /** Vectors of the plan's `vectorsFor` modalities; empty when the backend ranked exactly. */
  vectors: Partial<Record<Modality, number[]>>;
  /** Versions of the models the candidate's tokens came from. */
  modelVersions: Partial<Record<Modality, number>>;
  tokenScore: number;
  /** Weighted mean cosine similarity to the plan's `rank` queries, when it has them. */
  exactScore?: number;
}

/** Where models live: immutable versions. Which one is active is the items' generation's. */
export interface ModelStore {
  list(modality?: Modality): Promise<StoredModel[]>;
  get(modality: Modality, version: number): Promise<StoredModel | null>;
  /** Writes a new version; `false` when that version exists already (another instance won). */
  create(model: StoredModel): Promise<boolean>;
}

/**
 * The searchable copy of the items and the model versions its tokens come from. Activating a
 * model builds a new generation and swaps it in atomically, so a query never sees two versions.
 */
export interface Generation {
  /** Opaque; writes name it so they land where their tokens belong. */
  id: string;
  versions: Partial<Record<Modality, number>>;
}

/** Hashes a batch of vectors of one modality with the model being activated. */
export type HashBatch = (vectors: readonly (readonly number[])[]) => string[][];

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
  /** The current generation: where writes go and which model versions are active. */
  generation(): Promise<Generation>;
  /**
   * Creates or replaces items by id in `generation` (the current one when omitted). Items must
   * be hashed with that generation's versions.
   */
  putItems(items: readonly StoredItem[], generation?: string): Promise<ItemWriteResult[]>;
  /** Returns how many of `ids` existed. */
  deleteItems(ids: readonly string[]): Promise<number>;
  /**
   * Makes `version` the active model of `modality`: every stored item of that modality is
   * re-hashed with `hash` into a new generation, which then replaces the current one at once.
   * Items written meanwhile are carried over. Returns how many items were re-hashed.
   */
  activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    onProgress?: (rehashed: number) => void,
  ): Promise<number>;
  /** Streams the stored vectors of one modality, in batches. */
  scanVectors(modality: Modality, options: { batchSize: number }): AsyncIterable<VectorRow[]>;
  /** Length of the stored vectors of a modality, null when none is stored. */
  storedDimension(modality: Modality): Promise<number | null>;
  countItems(): Promise<number>;
  /**
   * Token-match candidates (at most `plan.candidates`); with `plan.rank`, ranked exactly and cut
   * to `plan.rank.size`, every one carrying its `exactScore`.
   */
  executeSimilar(plan: SimilarPlan): Promise<Candidate[]>;
  /** Makes recent writes visible to search. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}
