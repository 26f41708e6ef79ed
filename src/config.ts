import { availableParallelism } from 'node:os';
import { z } from 'zod';

const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Every setting comes from the environment and is checked once, at start-up. */
const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ELASTICSEARCH_URL: z.url().optional(),
  LSHQL_INDEX_PREFIX: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, "-" and "_" only')
    .default('lshql'),
  LSHQL_API_KEY: z.string().min(1).optional(),
  LSHQL_ES_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  LSHQL_ES_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Primary shards of each items generation (new generations only; models and jobs use 1). */
  LSHQL_SHARDS: z.coerce.number().int().min(1).max(1024).default(1),
  /** Replicas of every lshql index. */
  LSHQL_REPLICAS: z.coerce.number().int().min(0).max(32).default(0),
  /** Replaced items generations kept (write-blocked) after a model activation. */
  LSHQL_KEEP_GENERATIONS: z.coerce.number().int().min(0).max(100).default(0),
  LSHQL_INGEST_REFRESH: z.enum(['wait_for', 'true', 'false']).default('wait_for'),
  LSHQL_MAX_BATCH: z.coerce.number().int().positive().default(1000),
  LSHQL_MAX_FIRST: z.coerce.number().int().positive().default(100),
  /** Per modality, how many best candidates exact ranking scores (Elasticsearch's knn limit). */
  LSHQL_RERANK_DEPTH: z.coerce.number().int().min(0).max(10_000).default(10_000),
  /**
   * Lean parts of the `similar` query to turn off, comma-separated (for benchmarks measuring
   * each): exact-k, filter-once, float32, like-text, knn-gate, doc-value-hits. Empty (the
   * default): all on.
   */
  LSHQL_LEAN_OFF: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(
      z.array(
        z.enum(['exact-k', 'filter-once', 'float32', 'like-text', 'knn-gate', 'doc-value-hits']),
      ),
    ),
  LSHQL_PROBES: z.coerce.number().int().min(1).max(8).default(1),
  /** more_like_this minimum_should_match: how many query tokens a candidate must share. */
  LSHQL_MLT_MINIMUM_SHOULD_MATCH: z
    .string()
    .regex(/^-?\d{1,4}%?$/, 'an integer or a percentage, like 2 or 25%')
    .default('1'),
  /** more_like_this max_doc_freq: ignore tokens held by more items than this (unset: none). */
  LSHQL_MLT_MAX_DOC_FREQ: z.coerce.number().int().positive().optional(),
  LSHQL_MODEL_REFRESH_MS: z.coerce.number().int().min(0).default(2000),
  LSHQL_SUBSPACES: z.coerce.number().int().positive().default(16),
  LSHQL_CLUSTERS: z.coerce.number().int().min(2).max(65535).default(256),
  LSHQL_ROTATE: boolean.default(true),
  LSHQL_SEED: z.coerce.number().int().default(42),
  LSHQL_DEMO_DATA: boolean.default(true),
  LSHQL_EMBEDDED_FILE: z.string().optional(),
  /** Requests slower than this (ms) are logged at warn; per-request logs are at debug. */
  LSHQL_SLOW_REQUEST_MS: z.coerce.number().int().min(0).default(1000),
  /**
   * Operation names /metrics labels by name (comma-separated GraphQL names); any other name is
   * counted as `other`, so clients cannot grow the label set.
   */
  LSHQL_METRICS_OPERATIONS: z
    .string()
    .regex(
      /^\s*([_A-Za-z][_0-9A-Za-z]{0,63}\s*(,\s*[_A-Za-z][_0-9A-Za-z]{0,63}\s*){0,99})?$/,
      'comma-separated GraphQL operation names (at most 100, 64 characters each)',
    )
    .default('Similar,SimilarToVector,Ingest,Models,Train,Delete,Item,Items')
    .transform((list) =>
      list
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    ),
  /** Whether `_service { sdl }` answers; unset: on unless NODE_ENV is production. */
  LSHQL_EXPOSE_SDL: boolean.optional(),
  /**
   * Worker threads for k-means and hashing (ingest batches, re-hashing), off the serving event
   * loop; 0 runs that work on the event loop itself.
   */
  LSHQL_WORKERS: z.coerce
    .number()
    .int()
    .min(0)
    .max(256)
    .default(() => availableParallelism()),
});

export type Config = z.infer<typeof ConfigSchema>;

/** `_service { sdl }` answers when LSHQL_EXPOSE_SDL says so, by default outside production. */
export function exposesSdl(config: Pick<Config, 'LSHQL_EXPOSE_SDL' | 'NODE_ENV'>): boolean {
  return config.LSHQL_EXPOSE_SDL ?? config.NODE_ENV !== 'production';
}

/** Parses the environment; throws one error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
