import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { ModelRegistry } from '../models/model-registry.js';
import { STALE_GENERATION, type ItemWriteResult, type SearchBackend } from '../search/backend.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';
import type { StoredItem } from '../domain/item.js';
import { InlineCompute, type Compute } from '../compute/compute.js';
import { hashItems } from '../models/hash-vectors.js';
import {
  DEFAULT_ITEM_LIMITS,
  type ItemInput,
  type ItemLimits,
  toStoredItem,
} from './item-input.js';

export interface IngestFailure {
  id: string;
  code: string;
  message: string;
}

export interface IngestOutcome {
  indexed: number;
  failed: IngestFailure[];
}

export interface IngestOptions {
  maxBatchSize: number;
  itemLimits?: ItemLimits;
  /** Where batches are hashed (the worker pool); default: on the calling thread. */
  compute?: Compute;
}

/**
 * Validates a batch, hashes each vector with its modality's active model, and writes the good
 * items in one bulk request. A bad item fails alone: the others still land.
 */
export class IngestService {
  private readonly knownDimensions = new Map<Modality, number>();
  private readonly compute: Compute;

  constructor(
    private readonly backend: SearchBackend,
    private readonly registry: ModelRegistry,
    private readonly options: IngestOptions,
  ) {
    this.compute = options.compute ?? new InlineCompute();
  }

  /** The length vectors of a modality must have: the active model's, else the stored one's. */
  private async dimensionOf(
    modality: Modality,
    modelDim: number | undefined,
  ): Promise<number | null> {
    if (modelDim !== undefined) return modelDim;
    const known = this.knownDimensions.get(modality);
    if (known !== undefined) return known;
    const stored = await this.backend.storedDimension(modality);
    if (stored !== null) this.knownDimensions.set(modality, stored);
    return stored;
  }

  async ingest(inputs: readonly ItemInput[]): Promise<IngestOutcome> {
    if (inputs.length === 0) {
      throw new LshqlError(ErrorCode.BAD_USER_INPUT, 'The batch is empty: send at least one item.');
    }
    if (inputs.length > this.options.maxBatchSize) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `The batch has ${inputs.length} items; send at most ${this.options.maxBatchSize} per request.`,
      );
    }
    // A fresh look at the generation: another instance may have activated a model a moment ago.
    const { generation, models } = await this.registry.current({ fresh: true });
    const dimensions: Partial<Record<Modality, number | null>> = {};
    for (const m of MODALITIES) dimensions[m] = await this.dimensionOf(m, models[m]?.model.dim);

    const failed: IngestFailure[] = [];
    const accepted: StoredItem[] = [];
    const seen = new Set<string>();
    for (const input of inputs) {
      const id = typeof input.id === 'string' ? input.id : String(input.id);
      if (seen.has(id)) {
        failed.push({
          id,
          code: ErrorCode.BAD_USER_INPUT,
          message:
            'The id appears more than once in this batch; only its first occurrence was kept.',
        });
        continue;
      }
      seen.add(id);
      try {
        const item = toStoredItem(
          input,
          dimensions,
          this.options.itemLimits ?? DEFAULT_ITEM_LIMITS,
        );
        // With no model and nothing stored yet, the first vector of the batch sets the length.
        for (const m of MODALITIES) {
          const vector = item.vectors[m];
          if (dimensions[m] === null && vector) dimensions[m] = vector.length;
        }
        accepted.push(item);
      } catch (error) {
        if (!(error instanceof LshqlError)) throw error;
        failed.push({ id, code: error.code, message: error.message });
      }
    }

    for (const m of MODALITIES) {
      const active = models[m];
      if (active) await hashItems(this.compute, accepted, m, active);
    }
    let results = await this.write(accepted, generation.id);
    // A model was activated while this batch was on its way: hash again for the new generation.
    const stale = new Set(
      results.filter((r) => r.error?.code === STALE_GENERATION).map((r) => r.id),
    );
    if (stale.size > 0) {
      const retry = accepted.filter((item) => stale.has(item.id));
      const current = await this.registry.current({ fresh: true });
      for (const m of MODALITIES) {
        const active = current.models[m];
        if (active) await hashItems(this.compute, retry, m, active);
      }
      const retried = new Map(
        (await this.write(retry, current.generation.id)).map((r) => [r.id, r]),
      );
      results = results.map((r) => {
        const again = retried.get(r.id);
        if (!again) return r;
        return again.error?.code === STALE_GENERATION
          ? {
              id: r.id,
              error: {
                code: ErrorCode.CONFLICT,
                message: 'A model was being activated; send the item again.',
              },
            }
          : again;
      });
    }
    let indexed = 0;
    for (const result of results) {
      if (result.error) failed.push({ id: result.id, ...result.error });
      else indexed++;
    }
    for (const m of MODALITIES) {
      const dim = dimensions[m];
      if (indexed > 0 && dim !== null && dim !== undefined) this.knownDimensions.set(m, dim);
    }
    return { indexed, failed };
  }

  /**
   * Writes the batch; when the backend is unreachable every item of it is reported failed (some
   * may have landed before the failure: ingest is idempotent, so sending them again is safe).
   */
  private async write(items: StoredItem[], generation: string): Promise<ItemWriteResult[]> {
    try {
      return await this.backend.putItems(items, generation);
    } catch (error) {
      if (!(error instanceof LshqlError) || error.code !== ErrorCode.BACKEND_UNAVAILABLE)
        throw error;
      return items.map((item) => ({
        id: item.id,
        error: { code: error.code, message: `${error.message} The item was not confirmed stored.` },
      }));
    }
  }

  async delete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        'No ids given: send at least one id to delete.',
      );
    }
    if (ids.length > this.options.maxBatchSize) {
      throw new LshqlError(
        ErrorCode.BAD_USER_INPUT,
        `${ids.length} ids given; delete at most ${this.options.maxBatchSize} per request.`,
      );
    }
    // Elasticsearch refuses a whole bulk request with an empty _id; no item has one anyway.
    if (ids.some((id) => id === '')) {
      throw new LshqlError(ErrorCode.BAD_USER_INPUT, 'An id is empty: send the ids of items.');
    }
    return this.backend.deleteItems([...new Set(ids)]);
  }
}
