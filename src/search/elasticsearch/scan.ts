import type { estypes } from '@elastic/elasticsearch';
import type { ResilientTransport } from './resilient-transport.js';

export interface ScanRequest {
  index: string;
  batchSize: number;
  query?: estypes.QueryDslQueryContainer;
  /** What of `_source` to read: all of it when omitted, nothing with `false`. */
  source?: estypes.SearchSourceConfig;
}

/** One document of a scan: its id and, unless the scan asked for none, its `_source`. */
export interface ScanRow<T> {
  id: string;
  source: T | undefined;
}

/**
 * Reads every document of `index` matching the query in id order, a batch per request, paging
 * with `search_after` (no scroll context to keep open, and no `_reindex` needed to copy).
 * Empty batches are not yielded.
 */
export async function* scan<T>(
  transport: ResilientTransport,
  request: ScanRequest,
): AsyncIterable<ScanRow<T>[]> {
  const { index, batchSize, query = { match_all: {} }, source } = request;
  let searchAfter: estypes.SortResults | undefined;
  for (;;) {
    const response = await transport.call('scan', (client) =>
      client.search<T>({
        index,
        size: batchSize,
        sort: [{ id: 'asc' }],
        track_total_hits: false,
        query,
        ...(source !== undefined ? { _source: source } : {}),
        ...(searchAfter ? { search_after: searchAfter } : {}),
      }),
    );
    const hits = response.hits.hits;
    const rows = hits.flatMap((hit) => (hit._id ? [{ id: hit._id, source: hit._source }] : []));
    if (rows.length > 0) yield rows;
    if (hits.length < batchSize) return;
    searchAfter = hits[hits.length - 1]?.sort;
    if (!searchAfter) return;
  }
}
