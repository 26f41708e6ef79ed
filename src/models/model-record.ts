import type { Modality } from '../domain/modalities.js';
import type { Metric } from '../lsh/lsh-model.js';
import type { SerializedLshModel } from '../lsh/model-serialization.js';

/** A model's description, as listed by `lshModels`. */
export interface ModelRecord {
  modality: Modality;
  version: number;
  dim: number;
  subspaces: number;
  clusters: number;
  metric: Metric;
  rotated: boolean;
  trainedOn: number;
  createdAt: string;
  active: boolean;
}

/** A model as the registry persists it: immutable once written. */
export interface StoredModel {
  modality: Modality;
  version: number;
  createdAt: string;
  model: SerializedLshModel;
}

export function modelKey(modality: Modality, version: number): string {
  return `${modality}-${version}`;
}
