import { expect } from 'vitest';
import { generateSyntheticItems, toItemInput } from '../../../src/demo/synthetic-items.js';
import { LshqlError, type ErrorCode } from '../../../src/domain/errors.js';
import type { ItemInput } from '../../../src/ingest/item-input.js';
import { IngestService } from '../../../src/ingest/ingest-service.js';
import { ModelRegistry } from '../../../src/models/model-registry.js';
import {
  ModelTrainingService,
  type TrainingDefaults,
} from '../../../src/models/training-service.js';
import { EmbeddedBackend } from '../../../src/search/embedded/embedded-backend.js';
import { SimilarService, type SimilarOptions } from '../../../src/search/similar-service.js';

/*
 * The services over the in-memory (embedded) backend: logic only. What Elasticsearch does is
 * checked by the integration tests against a real server.
 */

export const IMAGE_DIM = 8;
export const TEXT_DIM = 6;

export const TRAINING_DEFAULTS: TrainingDefaults = {
  subspaces: 4,
  clusters: 8,
  sampleSize: 1000,
  maxSampleSize: 5000,
  metric: 'cosine',
  rotate: false,
  seed: 42,
  batchSize: 50,
};

export const SIMILAR_OPTIONS: SimilarOptions = {
  maxFirst: 50,
  rerankDepth: 1000,
  probes: 1,
  maxTextFilterLength: 100,
  filterFallbackLimit: 1000,
  mlt: {},
};

/** A small clustered collection with both vectors. */
export function collection(count = 120, seed = 4): ItemInput[] {
  return generateSyntheticItems({
    count,
    seed,
    imageDim: IMAGE_DIM,
    textDim: TEXT_DIM,
    topics: 4,
    subtopics: 2,
    noise: 0.6,
  }).map(toItemInput);
}

export interface Stack {
  backend: EmbeddedBackend;
  registry: ModelRegistry;
  ingest: IngestService;
  training: ModelTrainingService;
  similar: SimilarService;
}

/** The services wired as the gateway wires them, around one in-memory backend. */
export async function stack(
  options: {
    backend?: EmbeddedBackend;
    refreshMs?: number;
    similar?: Partial<SimilarOptions>;
    maxBatchSize?: number;
  } = {},
): Promise<Stack> {
  const backend = options.backend ?? new EmbeddedBackend();
  await backend.init();
  const registry = new ModelRegistry(backend, { refreshMs: options.refreshMs ?? 60_000 });
  return {
    backend,
    registry,
    ingest: new IngestService(backend, registry, { maxBatchSize: options.maxBatchSize ?? 500 }),
    training: new ModelTrainingService(backend, registry, TRAINING_DEFAULTS),
    similar: new SimilarService(backend, registry, { ...SIMILAR_OPTIONS, ...options.similar }),
  };
}

/** A stack holding `items`, with both models trained. */
export async function trainedStack(
  items: readonly ItemInput[],
  options: Parameters<typeof stack>[0] = {},
): Promise<Stack> {
  const s = await stack(options);
  const outcome = await s.ingest.ingest(items);
  expect(outcome.failed).toEqual([]);
  await s.training.train({ modality: 'IMAGE' });
  await s.training.train({ modality: 'TEXT' });
  return s;
}

/** Asserts `promise` rejects with an LshqlError of `code`; returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<LshqlError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LshqlError);
  expect((error as LshqlError).code).toBe(code);
  return error as LshqlError;
}
