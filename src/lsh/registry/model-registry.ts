import { ErrorCode, LshqlError } from '../../errors.js';
import type { ModelStore } from '../../search/backend.js';
import type { Modality } from '../../search/modality.js';
import { LshHasher } from '../hash.js';
import type { LshModel } from '../lsh-model.js';
import { deserializeModel, serializeModel } from '../model-serialization.js';
import type { ModelRecord, StoredModel } from './model-record.js';

/** The model a modality hashes with now, ready to use. */
export interface ActiveModel {
  record: ModelRecord;
  model: LshModel;
  hasher: LshHasher;
}

function toRecord(stored: StoredModel, model: LshModel, activeVersion: number | null): ModelRecord {
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
 * Versioned LSH models shared by every gateway instance through the backend's model store.
 * Versions are immutable; one pointer per modality names the active one. Each instance caches
 * the active model and re-reads the pointer when its cache is older than `refreshMs` (or when a
 * caller asks for a fresh look, as ingest does), so a model activated elsewhere is picked up.
 */
export class ModelRegistry {
  private readonly activeCache = new Map<
    Modality,
    { value: ActiveModel | null; checkedAt: number }
  >();
  private readonly loaded = new Map<string, ActiveModel>();

  constructor(
    private readonly store: ModelStore,
    private readonly options: { refreshMs: number },
  ) {}

  async active(modality: Modality, options: { fresh?: boolean } = {}): Promise<ActiveModel | null> {
    const cached = this.activeCache.get(modality);
    if (cached && !options.fresh && Date.now() - cached.checkedAt < this.options.refreshMs) {
      return cached.value;
    }
    const version = await this.store.getActiveVersion(modality);
    const value = version === null ? null : await this.load(modality, version);
    this.activeCache.set(modality, { value, checkedAt: Date.now() });
    return value;
  }

  /** The active model, or MODEL_NOT_TRAINED with what to do about it. */
  async requireActive(modality: Modality): Promise<ActiveModel> {
    const active = await this.active(modality);
    if (!active) {
      throw new LshqlError(
        ErrorCode.MODEL_NOT_TRAINED,
        `No ${modality} model is trained yet. Run the trainModel mutation for ${modality} first.`,
        { modality },
      );
    }
    return active;
  }

  private async load(modality: Modality, version: number): Promise<ActiveModel> {
    const key = `${modality}-${version}`;
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
    const [stored, imageActive, textActive] = await Promise.all([
      this.store.list(modality),
      this.store.getActiveVersion('IMAGE'),
      this.store.getActiveVersion('TEXT'),
    ]);
    return stored.map((s) =>
      toRecord(s, deserializeModel(s.model), s.modality === 'IMAGE' ? imageActive : textActive),
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
    return toRecord(stored, model, null);
  }

  async activate(modality: Modality, version: number): Promise<void> {
    await this.store.setActiveVersion(modality, version);
    this.activeCache.delete(modality);
  }
}
