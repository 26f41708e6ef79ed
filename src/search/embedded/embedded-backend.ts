import { ErrorCode } from '../../domain/errors.js';
import type { StoredItem } from '../../domain/item.js';
import type { Modality } from '../../domain/modalities.js';
import type {
  CandidateList,
  Generation,
  HashBatch,
  ActivationOptions,
  ItemWriteResult,
  SearchBackend,
  VectorRow,
} from '../backend.js';
import { STALE_GENERATION } from '../backend.js';
import type { SimilarPlan } from '../query-plan.js';
import { ItemMap, copyItem } from './item-map.js';
import { InMemoryJobStore } from './job-store.js';
import { InMemoryModelStore } from './model-store.js';
import { runSimilarPlan } from './plan-runner.js';
import { SnapshotFile } from './snapshot-file.js';
import { TokenIndex } from './token-index.js';

export interface EmbeddedBackendOptions {
  /** Where items and models persist between runs; in memory only when unset. */
  file?: string;
  /** Delay between a write and its persistence to `file`; writes in between are batched. */
  saveDelayMs?: number;
}

/** The embedded backend swaps generations in place, so it has just one, named so. */
const EMBEDDED_GENERATION = 'embedded';
/** Items re-hashed between two yields to the event loop while a model is activated. */
const ACTIVATION_CHUNK = 500;
const DEFAULT_SAVE_DELAY_MS = 500;

/** Ids in the order Elasticsearch sorts its `id` keyword (code units; bytes differ off the BMP). */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The in-process backend: the items (`ItemMap`) indexed by a `TokenIndex`, running the same
 * query plans with the same meaning as Elasticsearch (`runSimilarPlan`), models in memory, all
 * optionally persisted to a `SnapshotFile`.
 */
export class EmbeddedBackend implements SearchBackend {
  readonly kind = 'embedded' as const;
  readonly models: InMemoryModelStore;
  readonly jobs: InMemoryJobStore;

  private readonly items = new ItemMap();
  private readonly index = new TokenIndex();
  private readonly file: SnapshotFile | null;
  private loaded: Promise<void> | null = null;
  /** Model switches so far (names the generation). */
  private switches = 0;

  constructor(options: EmbeddedBackendOptions = {}) {
    this.models = new InMemoryModelStore(() => this.file?.changed());
    this.jobs = new InMemoryJobStore(() => this.file?.changed());
    this.file = options.file
      ? new SnapshotFile(options.file, options.saveDelayMs ?? DEFAULT_SAVE_DELAY_MS, () => ({
          ...this.models.snapshot(),
          jobs: this.jobs.snapshot(),
          items: this.items.values(),
        }))
      : null;
  }

  async init(): Promise<void> {
    this.loaded ??= this.file
      ? this.file.load(
          (state) => {
            this.models.restore(state);
            // Jobs that ran when the file was saved are FAILED now: saved so.
            if (this.jobs.restore(state.jobs ?? []) > 0) this.file?.changed();
          },
          (item) => this.store(copyItem(item, true)),
        )
      : Promise.resolve();
    await this.loaded;
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async getItems(
    ids: readonly string[],
    options: { withVectors?: boolean } = {},
  ): Promise<(StoredItem | null)[]> {
    return ids.map((id) => {
      const item = this.items.get(id);
      return item ? copyItem(item, options.withVectors === true) : null;
    });
  }

  async putItems(items: readonly StoredItem[], generation?: string): Promise<ItemWriteResult[]> {
    // Hashed for a generation that a model switch has replaced since: the writer hashes again.
    if (generation !== undefined && generation !== this.generationId()) {
      return items.map((item) => ({
        id: String(item.id),
        error: { code: STALE_GENERATION, message: 'A model was activated since; hash again.' },
      }));
    }
    const results = items.map((item): ItemWriteResult => {
      if (typeof item.id !== 'string' || item.id === '') {
        return {
          id: String(item.id),
          error: { code: ErrorCode.BAD_USER_INPUT, message: 'The id is empty.' },
        };
      }
      this.store(copyItem(item, true));
      return { id: item.id };
    });
    this.file?.changed();
    return results;
  }

  async deleteItems(ids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const id of ids) {
      const item = this.items.delete(id);
      if (!item) continue;
      this.index.remove(item);
      deleted++;
    }
    if (deleted > 0) this.file?.changed();
    return deleted;
  }

  async countItems(): Promise<number> {
    return this.items.size;
  }

  async generation(): Promise<Generation> {
    return { id: this.generationId(), versions: this.models.activeVersions() };
  }

  /** Changes with every model switch, so that writes hashed before one are told apart. */
  private generationId(): string {
    return `${EMBEDDED_GENERATION}-${this.switches}`;
  }

  /**
   * Re-hashes the modality's items in chunks (yielding between them so requests go on), then
   * applies every new token set and the new active version in one synchronous step: queries see
   * either the old generation or the new one. Items written meanwhile are hashed again first.
   */
  async activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    { onProgress, beforeSwitch }: ActivationOptions = {},
  ): Promise<number> {
    await beforeSwitch?.();
    const computed = new Map<string, { seqNo: number; tokens: string[] }>();
    const hashRows = async (rows: { id: string; vector: number[]; seqNo: number }[]) => {
      const tokens = await hash(rows.map((row) => row.vector));
      rows.forEach((row, i) => computed.set(row.id, { seqNo: row.seqNo, tokens: tokens[i]! }));
    };
    const ids = this.items.ids();
    for (let start = 0; start < ids.length; start += ACTIVATION_CHUNK) {
      await hashRows(this.rowsToHash(ids.slice(start, start + ACTIVATION_CHUNK), modality));
      onProgress?.(computed.size);
      // Let queries and writes in between chunks, even when hashing answers at once.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // The job's last check (its lock still names it); a throw switches nothing.
    await beforeSwitch?.();
    // Items written while hashing are hashed again, until a pass finds none changed.
    for (;;) {
      const stale = this.rowsToHash(this.items.ids(), modality).filter(
        (row) => computed.get(row.id)?.seqNo !== row.seqNo,
      );
      if (stale.length === 0) break;
      await hashRows(stale);
    }
    // The switch: no await from here to the end. Like Elasticsearch's copy into the next
    // generation, it rewrites every item in id order, which is then the order ties go by.
    let rehashed = 0;
    for (const id of this.items.ids().sort(byId)) {
      const item = this.items.get(id)!;
      const next = computed.get(id);
      if (!next || !item.vectors[modality]) {
        this.items.touch(id);
        continue;
      }
      // Stored items are never mutated in place: a write stores a new object.
      this.store({
        ...item,
        tokens: { ...item.tokens, [modality]: next.tokens },
        modelVersions: { ...item.modelVersions, [modality]: version },
      });
      rehashed++;
    }
    this.models.activate(modality, version);
    this.switches++;
    this.file?.changed();
    return rehashed;
  }

  async *scanVectors(
    modality: Modality,
    options: { batchSize: number },
  ): AsyncIterable<VectorRow[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize));
    // Ids are fixed when the scan starts; each item is read when its batch is built, so items
    // changed or deleted meanwhile are seen as they are now (like search_after paging).
    const ids = this.items.ids().sort(byId);
    let rows: VectorRow[] = [];
    for (const id of ids) {
      const item = this.items.get(id);
      const vector = item?.vectors[modality];
      if (!vector || !item?.modalities.includes(modality)) continue;
      rows.push({ id, vector: [...vector] });
      if (rows.length >= batchSize) {
        yield rows;
        rows = [];
      }
    }
    if (rows.length > 0) yield rows;
  }

  async storedDimension(modality: Modality): Promise<number | null> {
    for (const item of this.items.values()) {
      const vector = item.vectors[modality];
      if (vector && item.modalities.includes(modality)) return vector.length;
    }
    return null;
  }

  async executeSimilar(plan: SimilarPlan): Promise<CandidateList> {
    return runSimilarPlan(plan, this.items, this.index);
  }

  async refresh(): Promise<void> {
    // Writes are searchable as soon as they return.
  }

  async close(): Promise<void> {
    await this.file?.close();
  }

  /** Writes pending changes to the file now (no-op without a file or changes). */
  async flush(): Promise<void> {
    await this.file?.flush();
  }

  /** The rows of `ids` holding a vector of `modality`, with their current sequence numbers. */
  private rowsToHash(ids: readonly string[], modality: Modality) {
    return ids.flatMap((id) => {
      const vector = this.items.get(id)?.vectors[modality];
      return vector ? [{ id, vector, seqNo: this.items.seqNo(id) }] : [];
    });
  }

  /** Stores (or replaces) an item that nothing else references, and indexes it. */
  private store(item: StoredItem): void {
    const previous = this.items.get(item.id);
    if (previous) this.index.remove(previous);
    this.items.set(item);
    this.index.add(item);
  }
}
