import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { Generation, GenerationStore, ModelStore } from './ports.js';
import { MODALITIES, type Modality } from '../domain/modalities.js';
import { LshHasher } from '../lsh/hasher.js';
import type { LshModel } from '../lsh/lsh-model.js';
import { deserializeModel, serializeModel } from '../lsh/model-serialization.js';
import { modelKey, type ModelRecord, type StoredModel } from './model-record.js';

/** The model a modality hashes with now, ready to use. */
export interface ActiveModel {
  record: ModelRecord;
  model: LshModel;
  hasher: LshHasher;
}

/** The current generation of the items with its active models loaded. */
export interface ActiveModels {
  generation: Generation;
  models: Partial<Record<Modality, ActiveModel>>;
}

function toRecord(
  stored: StoredModel,
  model: LshModel,
  activeVersion: number | undefined,
): ModelRecord {
  return {
    modality: stored.modality,
    version: stored.version,
    dim: model.dim,
    subspaces: model.subspaces,
    clusters: model.clusters,
    metric: model.metric,
    rotated: model.rotate,
    trainedOn: model.trainedOn,
    createdAt: stored.createdAt,
    active: stored.version === activeVersion,
  };
}

/**
 * Versioned LSH models shared by every gateway instance through the backend. Versions are
 * immutable and stored in the model store; which version is active is recorded by the items'
 * current generation, so activation and re-hashing switch together. Each instance caches the
 * active models and looks again when its cache is older than `refreshMs` (or when a caller asks
 * for a fresh look, as ingest does), so a model activated elsewhere is picked up.
 */
export class ModelRegistry {
  private cache: { value: ActiveModels; checkedAt: number } | null = null;
  private readonly loaded = new Map<string, ActiveModel>();

  constructor(
    private readonly backend: Pick<GenerationStore, 'generation'> & { readonly models: ModelStore },
    private readonly options: { refreshMs: number },
  ) {}

  private get store(): ModelStore {
    return this.backend.models;
  }

  /** The current generation and its models. */
  async current(options: { fresh?: boolean } = {}): Promise<ActiveModels> {
    const cached = this.cache;
    if (cached && !options.fresh && Date.now() - cached.checkedAt < this.options.refreshMs) {
      return cached.value;
    }
    const generation = await this.backend.generation();
    const models: ActiveModels['models'] = {};
    for (const modality of MODALITIES) {
      const version = generation.versions[modality];
      if (version !== undefined) models[modality] = await this.load(modality, version);
    }
    const value = { generation, models };
    this.cache = { value, checkedAt: Date.now() };
    return value;
  }

  async active(modality: Modality, options: { fresh?: boolean } = {}): Promise<ActiveModel | null> {
    return (await this.current(options)).models[modality] ?? null;
  }

  /** The active model, or MODEL_NOT_TRAINED with what to do about it. */
  async requireActive(modality: Modality, options: { fresh?: boolean } = {}): Promise<ActiveModel> {
    const active = await this.active(modality, options);
    if (!active) {
      throw new LshqlError(
        ErrorCode.MODEL_NOT_TRAINED,
        `No ${modality} model is trained yet. Run the trainModel mutation for ${modality} first.`,
        { modality },
      );
    }
    return active;
  }

  /** A stored version, deserialised once per process (versions never change). */
  async load(modality: Modality, version: number): Promise<ActiveModel> {
    const key = modelKey(modality, version);
    const known = this.loaded.get(key);
    if (known) return known;
    const stored = await this.store.get(modality, version);
    if (!stored) {
      throw new LshqlError(
        ErrorCode.INTERNAL_SERVER_ERROR,
        `The active ${modality} model version ${version} is missing from the model store.`,
      );
    }
    const model = deserializeModel(stored.model);
    const active = {
      record: toRecord(stored, model, version),
      model,
      hasher: new LshHasher(model),
    };
    this.loaded.set(key, active);
    return active;
  }

  async list(modality?: Modality): Promise<ModelRecord[]> {
    const [stored, generation] = await Promise.all([
      this.store.list(modality),
      this.backend.generation(),
    ]);
    return stored.map((s) =>
      toRecord(s, deserializeModel(s.model), generation.versions[s.modality]),
    );
  }

  /** Stores `model` as the next version of `modality` (not yet active). */
  async publish(modality: Modality, model: LshModel): Promise<ModelRecord> {
    const existing = await this.store.list(modality);
    const version = Math.max(0, ...existing.map((m) => m.version)) + 1;
    const stored: StoredModel = {
      modality,
      version,
      createdAt: new Date().toISOString(),
      model: serializeModel(model),
    };
    if (!(await this.store.create(stored))) {
      throw new LshqlError(
        ErrorCode.CONFLICT,
        `Another gateway instance stored ${modality} model version ${version} at the same time; retry trainModel.`,
      );
    }
    return toRecord(stored, model, undefined);
  }

  /** Forgets the cached generation, after this instance activated a model. */
  invalidate(): void {
    this.cache = null;
  }
}
