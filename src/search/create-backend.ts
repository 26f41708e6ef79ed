import type { Config } from '../config.js';
import type { SearchBackend } from './backend.js';
import { ElasticsearchBackend } from './elasticsearch/elasticsearch-backend.js';
import { EmbeddedBackend } from './embedded/embedded-backend.js';

/** Elasticsearch when ELASTICSEARCH_URL is set, otherwise the in-process embedded backend. */
export function createBackend(
  config: Config,
  onRequest?: (operation: string, seconds: number) => void,
): SearchBackend {
  if (config.ELASTICSEARCH_URL) {
    return new ElasticsearchBackend({
      url: config.ELASTICSEARCH_URL,
      indexPrefix: config.LSHQL_INDEX_PREFIX,
      requestTimeoutMs: config.LSHQL_ES_TIMEOUT_MS,
      maxRetries: config.LSHQL_ES_MAX_RETRIES,
      shards: config.LSHQL_SHARDS,
      replicas: config.LSHQL_REPLICAS,
      keepGenerations: config.LSHQL_KEEP_GENERATIONS,
      refresh:
        config.LSHQL_INGEST_REFRESH === 'wait_for'
          ? 'wait_for'
          : config.LSHQL_INGEST_REFRESH === 'true',
      query: {
        exactK: !config.LSHQL_LEAN_OFF.includes('exact-k'),
        filterOnce: !config.LSHQL_LEAN_OFF.includes('filter-once'),
        float32: !config.LSHQL_LEAN_OFF.includes('float32'),
        likeText: !config.LSHQL_LEAN_OFF.includes('like-text'),
        knnGate: !config.LSHQL_LEAN_OFF.includes('knn-gate'),
        docValueHits: !config.LSHQL_LEAN_OFF.includes('doc-value-hits'),
      },
      ...(onRequest ? { onRequest } : {}),
    });
  }
  return new EmbeddedBackend(
    config.LSHQL_EMBEDDED_FILE ? { file: config.LSHQL_EMBEDDED_FILE } : {},
  );
}
