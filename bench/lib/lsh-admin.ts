import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { LshModel } from '../../src/lsh/lsh-model.js';
import {
  defaultClusters,
  defaultSubspaces,
  subspaceWidth,
} from '../../src/lsh/default-clusters.js';
import { deserializeModel, serializeModel } from '../../src/lsh/model-serialization.js';
import { trainLshModel } from '../../src/lsh/train.js';
import { createBackend } from '../../src/search/create-backend.js';
import type { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import type { Modality } from '../../src/domain/modalities.js';
import { createServices, type Services } from '../../src/services.js';
import { rows, type Dataset } from '../data/dataset.js';
import { log } from './format.js';

export interface LshParams {
  subspaces: number;
  clusters: number;
  rotate: boolean;
}

export const SEED = 42;
/** The gateway trains on a sample of 10,000 stored vectors by default; so do the benchmarks. */
export const TRAIN_SAMPLE = 10_000;

export function paramsLabel(p: LshParams): string {
  return `${p.subspaces}×${p.clusters}${p.rotate ? ' rot' : ''}`;
}

function column(data: Dataset, modality: Modality) {
  const c = modality === 'IMAGE' ? data.image : data.text;
  if (!c) throw new Error(`${data.name} has no ${modality} vectors`);
  return c;
}

/** The training sample: the first TRAIN_SAMPLE corpus vectors (query items never). */
export function trainingSample(
  data: Dataset,
  modality: Modality,
): { vectors: Float32Array; count: number } {
  const count = Math.min(data.corpusCount, TRAIN_SAMPLE);
  return { vectors: rows(column(data, modality), 0, count), count };
}

/**
 * What `trainModel` picks with no arguments for this data (configuration defaults: 16
 * subspaces, at most 256 clusters, rotated), trained on the same sample as every benchmark model.
 */
export function productDefaultParams(data: Dataset, modality: Modality = 'IMAGE'): LshParams {
  const config = loadConfig({});
  const { dim } = column(data, modality);
  // The gateway's own default shape (subspaces at least 8 dims wide).
  const subspaces = defaultSubspaces(dim, config.LSHQL_SUBSPACES, config.LSHQL_ROTATE);
  const sample = Math.min(data.corpusCount, TRAIN_SAMPLE);
  return {
    subspaces,
    clusters: defaultClusters(
      sample,
      subspaceWidth(dim, subspaces, config.LSHQL_ROTATE),
      config.LSHQL_CLUSTERS,
    ),
    rotate: config.LSHQL_ROTATE,
  };
}

export function trainModel(data: Dataset, modality: Modality, p: LshParams): LshModel {
  const { vectors, count } = trainingSample(data, modality);
  return trainLshModel(vectors, count, {
    dim: column(data, modality).dim,
    subspaces: p.subspaces,
    clusters: p.clusters,
    metric: 'cosine',
    rotate: p.rotate,
    seed: SEED,
  });
}

function modelFile(cacheDir: string, data: Dataset, modality: Modality, p: LshParams): string {
  const key = `${data.name}-${modality}-${p.subspaces}x${p.clusters}-${p.rotate ? 'rot' : 'norot'}-seed${SEED}`;
  return join(cacheDir, 'models', `${key}.json`);
}

export function saveModel(
  cacheDir: string,
  data: Dataset,
  modality: Modality,
  p: LshParams,
  model: LshModel,
) {
  mkdirSync(join(cacheDir, 'models'), { recursive: true });
  writeFileSync(modelFile(cacheDir, data, modality, p), JSON.stringify(serializeModel(model)));
}

/** A trained model from the cache, trained (untimed) and cached when missing. */
export function cachedModel(
  cacheDir: string,
  data: Dataset,
  modality: Modality,
  p: LshParams,
): LshModel {
  const file = modelFile(cacheDir, data, modality, p);
  if (existsSync(file)) {
    try {
      return deserializeModel(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      // Written by an older model format: train again.
      log(`cached model ${file} is unreadable (${(error as Error).message}); training again`);
    }
  }
  log(`training ${modality} ${paramsLabel(p)} on ${data.name}`);
  const model = trainModel(data, modality, p);
  saveModel(cacheDir, data, modality, p, model);
  return model;
}

/**
 * The product's own services on one index prefix, in this process, for set-up only: publishing
 * and activating models and re-hashing stored items (exactly what `trainModel` does after
 * training). Measured requests never go through it.
 */
export class PrefixAdmin {
  private constructor(
    readonly prefix: string,
    readonly services: Services,
  ) {}

  static async open(elasticsearchUrl: string, prefix: string): Promise<PrefixAdmin> {
    const config = loadConfig({
      ELASTICSEARCH_URL: elasticsearchUrl,
      LSHQL_INDEX_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      LSHQL_INGEST_REFRESH: 'false',
      LSHQL_ES_TIMEOUT_MS: '600000',
      LSHQL_MODEL_REFRESH_MS: '0',
    });
    const backend = createBackend(config);
    await backend.init();
    return new PrefixAdmin(prefix, createServices(config, backend));
  }

  get backend(): ElasticsearchBackend {
    return this.services.backend as ElasticsearchBackend;
  }

  get itemsAlias(): string {
    return this.backend.itemsAlias;
  }

  /**
   * Stores the model as the next version and activates it, as `trainModel` does after training:
   * the backend re-hashes every stored item of the modality. Returns the version.
   */
  async activate(modality: Modality, model: LshModel): Promise<number> {
    const record = await this.services.registry.publish(modality, model);
    await this.services.training.activate(modality, record.version);
    return record.version;
  }

  /** `activate`, timed: seconds to store, re-hash every item and switch. */
  async activateAndRehash(modality: Modality, model: LshModel): Promise<number> {
    const started = performance.now();
    await this.activate(modality, model);
    return (performance.now() - started) / 1000;
  }

  async close(): Promise<void> {
    await this.services.compute.close();
    await this.services.backend.close();
  }
}
