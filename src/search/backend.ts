import type { Modality } from '../domain/modalities.js';
import type { SimilarPlan } from './query-plan.js';
import type { ItemView, StoredItem } from '../domain/item.js';
import type { GenerationStore, JobStore, ModelStore, VectorSource } from '../models/ports.js';

/** The write error of an item aimed at a generation replaced meanwhile; the writer retries it. */
export const STALE_GENERATION = 'STALE_GENERATION';

/** Outcome of writing one item; `error` is set when that item did not land. */
export interface ItemWriteResult {
  id: string;
  error?: { code: string; message: string };
}

/** A candidate from the token match: its exact score when the plan ranks, else its vectors. */
export interface Candidate {
  item: ItemView;
  /** Vectors of the plan's `vectorsFor` modalities; empty when the backend ranked exactly. */
  vectors: Partial<Record<Modality, number[]>>;
  /** Versions of the models the candidate's tokens came from. */
  modelVersions: Partial<Record<Modality, number>>;
  /** Weighted mean cosine similarity to the plan's `rank` queries, when it has them. */
  exactScore?: number;
  /**
   * Set when the backend read only the key fields (`plan.hitContent` `keys`): the item's
   * title and text are then null and its tags empty, whatever is stored.
   */
  keysOnly?: true;
}

/**
 * The candidates of a plan; with `plan.countUpTo`, also `matched`: how many items the plan's
 * query matched, counted up to that bound (Elasticsearch's `track_total_hits`).
 */
export type CandidateList = Candidate[] & { matched?: number };

/**
 * A search backend: stores items and models and runs query plans. Elasticsearch in production,
 * an in-process index when no cluster is configured. Both must give the same answers.
 */
export interface SearchBackend extends GenerationStore, VectorSource {
  readonly kind: 'elasticsearch' | 'embedded';
  readonly models: ModelStore;
  /** Training jobs and their per-modality locks. */
  readonly jobs: JobStore;
  /** Creates indexes when missing. Safe to call from several instances. */
  init(): Promise<void>;
  isReady(): Promise<boolean>;
  /** Items in the order of `ids`, null where unknown. Vectors only when asked for. */
  getItems(
    ids: readonly string[],
    options?: { withVectors?: boolean },
  ): Promise<(StoredItem | null)[]>;
  /**
   * Creates or replaces items by id in `generation` (the current one when omitted). Items must
   * be hashed with that generation's versions.
   */
  putItems(items: readonly StoredItem[], generation?: string): Promise<ItemWriteResult[]>;
  /** Returns how many of `ids` existed. */
  deleteItems(ids: readonly string[]): Promise<number>;
  countItems(): Promise<number>;
  /**
   * Token-match candidates (at most `plan.candidates`); with `plan.rank`, ranked exactly and cut
   * to `plan.rank.size`, every one carrying its `exactScore`.
   */
  executeSimilar(plan: SimilarPlan): Promise<CandidateList>;
  /** Makes recent writes visible to search. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export type {
  ActivationOptions,
  Generation,
  HashBatch,
  HashWith,
  ModelStore,
  VectorRow,
} from '../models/ports.js';
