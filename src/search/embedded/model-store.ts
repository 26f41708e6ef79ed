import { MODALITIES, type Modality } from '../../domain/modalities.js';
import { modelKey, type StoredModel } from '../../models/model-record.js';
import type { Generation, ModelStore } from '../../models/ports.js';

/** The models and active versions as the snapshot file keeps them. */
export interface ModelState {
  models: StoredModel[];
  active: Partial<Record<Modality, number>>;
}

/** Models in memory: immutable versions plus one active pointer per modality. */
export class InMemoryModelStore implements ModelStore {
  private readonly models = new Map<string, StoredModel>();
  private readonly active = new Map<Modality, number>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  async list(modality?: Modality): Promise<StoredModel[]> {
    return [...this.models.values()]
      .filter((m) => modality === undefined || m.modality === modality)
      .sort((a, b) =>
        a.modality < b.modality ? -1 : a.modality > b.modality ? 1 : b.version - a.version,
      )
      .map((m) => structuredClone(m));
  }

  async get(modality: Modality, version: number): Promise<StoredModel | null> {
    const model = this.models.get(modelKey(modality, version));
    return model ? structuredClone(model) : null;
  }

  async create(model: StoredModel): Promise<boolean> {
    const key = modelKey(model.modality, model.version);
    if (this.models.has(key)) return false;
    this.models.set(key, structuredClone(model));
    this.onChange();
    return true;
  }

  /** The active version per modality (the embedded backend's generation). */
  activeVersions(): Generation['versions'] {
    return Object.fromEntries(this.active);
  }

  activate(modality: Modality, version: number): void {
    this.active.set(modality, version);
    this.onChange();
  }

  /** Models and active pointers as persisted (shared references: do not mutate). */
  snapshot(): ModelState {
    return { models: [...this.models.values()], active: Object.fromEntries(this.active) };
  }

  /** Replaces everything with a persisted state (whose objects it then owns). */
  restore(state: Partial<ModelState>): void {
    this.models.clear();
    this.active.clear();
    for (const model of state.models ?? []) {
      this.models.set(modelKey(model.modality, model.version), model);
    }
    for (const m of MODALITIES) {
      const version = state.active?.[m];
      if (version !== undefined) this.active.set(m, version);
    }
  }
}
