import type { Config } from './config.js';
import { IngestService } from './ingest/ingest-service.js';
import { ModelTrainingService } from './models/training-service.js';
import { ModelRegistry } from './models/model-registry.js';
import type { SearchBackend } from './search/backend.js';
import { SimilarService } from './search/similar-service.js';

/** Everything a request may use, built once per gateway process around one backend. */
export interface Services {
  config: Config;
  backend: SearchBackend;
  registry: ModelRegistry;
  ingest: IngestService;
  training: ModelTrainingService;
  similar: SimilarService;
}

export function createServices(config: Config, backend: SearchBackend): Services {
  const registry = new ModelRegistry(backend, { refreshMs: config.LSHQL_MODEL_REFRESH_MS });
  return {
    config,
    backend,
    registry,
    ingest: new IngestService(backend, registry, { maxBatchSize: config.LSHQL_MAX_BATCH }),
    training: new ModelTrainingService(backend, registry, {
      subspaces: config.LSHQL_SUBSPACES,
      clusters: config.LSHQL_CLUSTERS,
      sampleSize: 10_000,
      maxSampleSize: 200_000,
      metric: 'cosine',
      rotate: config.LSHQL_ROTATE,
      seed: config.LSHQL_SEED,
      batchSize: 500,
    }),
    similar: new SimilarService(backend, registry, {
      maxFirst: config.LSHQL_MAX_FIRST,
      rerankDepth: config.LSHQL_RERANK_DEPTH,
      probes: config.LSHQL_PROBES,
      maxTextFilterLength: 1000,
      filterFallbackLimit: 1000,
      queryItemCache: config.LSHQL_QUERY_ITEM_CACHE,
      mlt: {
        minimumShouldMatch: config.LSHQL_MLT_MINIMUM_SHOULD_MATCH,
        ...(config.LSHQL_MLT_MAX_DOC_FREQ !== undefined
          ? { maxDocFreq: config.LSHQL_MLT_MAX_DOC_FREQ }
          : {}),
      },
    }),
  };
}
