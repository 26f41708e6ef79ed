import { InlineCompute, type Compute } from './compute/compute.js';
import { WorkerPoolCompute } from './compute/worker-pool.js';
import type { Config } from './config.js';
import { IngestService } from './ingest/ingest-service.js';
import { TrainingJobs } from './models/training-jobs.js';
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
  /** Training as jobs (`startTraining`, `trainingJob`); `trainModel` waits on one. */
  jobs: TrainingJobs;
  similar: SimilarService;
  /** Training and hashing off the event loop; close it when the process is done. */
  compute: Compute;
}

/** The worker pool LSHQL_WORKERS asks for (0: everything on the calling thread). */
export function createCompute(workers: number): Compute {
  return workers > 0 ? new WorkerPoolCompute(workers) : new InlineCompute();
}

export function createServices(
  config: Config,
  backend: SearchBackend,
  compute: Compute = createCompute(config.LSHQL_WORKERS),
): Services {
  const registry = new ModelRegistry(backend, { refreshMs: config.LSHQL_MODEL_REFRESH_MS });
  const training = new ModelTrainingService(
    backend,
    registry,
    {
      subspaces: config.LSHQL_SUBSPACES,
      clusters: config.LSHQL_CLUSTERS,
      sampleSize: 10_000,
      maxSampleSize: 200_000,
      metric: 'cosine',
      rotate: config.LSHQL_ROTATE,
      seed: config.LSHQL_SEED,
      batchSize: 500,
    },
    compute,
  );
  return {
    config,
    backend,
    registry,
    compute,
    ingest: new IngestService(backend, registry, {
      maxBatchSize: config.LSHQL_MAX_BATCH,
      compute,
    }),
    training,
    jobs: new TrainingJobs(backend.jobs, training),
    similar: new SimilarService(backend, registry, {
      maxFirst: config.LSHQL_MAX_FIRST,
      rerankDepth: config.LSHQL_RERANK_DEPTH,
      probes: config.LSHQL_PROBES,
      maxTextFilterLength: 1000,
      filterFallbackLimit: 1000,
      mlt: {
        minimumShouldMatch: config.LSHQL_MLT_MINIMUM_SHOULD_MATCH,
        ...(config.LSHQL_MLT_MAX_DOC_FREQ !== undefined
          ? { maxDocFreq: config.LSHQL_MLT_MAX_DOC_FREQ }
          : {}),
      },
    }),
  };
}
