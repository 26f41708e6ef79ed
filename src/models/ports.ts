import type { Modality } from '../domain/modalities.js';
import type { StoredModel } from './model-record.js';

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

/**
 * Hashes a batch of vectors of one modality with the model being activated. Asynchronous: the
 * work runs off the serving event loop.
 */
export type HashBatch = (vectors: readonly (readonly number[])[]) => Promise<string[][]>;

/** The generations of the items: which one is current, and switching to a re-hashed one. */
export interface GenerationStore {
  /** The current generation: where writes go and which model versions are active. */
  generation(): Promise<Generation>;
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
}

export interface VectorRow {
  id: string;
  vector: number[];
}

/** The stored vectors training samples from. */
export interface VectorSource {
  /** Streams the stored vectors of one modality, in batches. */
  scanVectors(modality: Modality, options: { batchSize: number }): AsyncIterable<VectorRow[]>;
  /** Length of the stored vectors of a modality, null when none is stored. */
  storedDimension(modality: Modality): Promise<number | null>;
}
