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

/**
 * Reads every document of `index` matching the query from one point in time, split into
 * `slices` that are read side by side, each paged with `search_after`; `each` is awaited per
 * batch (its slice reads on when it returns: back-pressure). The point in time is closed at the
 * end, also on failure.
 */
export async function scanSlices<T>(
  transport: ResilientTransport,
  request: ScanRequest & { slices: number; keepAlive?: string },
  each: (rows: ScanRow<T>[]) => Promise<void>,
): Promise<void> {
  const { index, batchSize, query = { match_all: {} }, source, slices } = request;
  const keepAlive = request.keepAlive ?? '2m';
  const opened = await transport.call('pit', (client) =>
    client.openPointInTime({ index, keep_alive: keepAlive }),
  );
  let pitId = opened.id;
  // Once one slice fails the others stop before their next batch, and the scan returns only
  // when none is still writing (a caller cleaning up after the failure must not race them).
  let failed = false;
  const readSlice = async (slice: number) => {
    let searchAfter: estypes.SortResults | undefined;
    while (!failed) {
      const response = await transport.call('scan', (client) =>
        client.search<T>({
          size: batchSize,
          pit: { id: pitId, keep_alive: keepAlive },
          sort: [{ _shard_doc: 'asc' }],
          track_total_hits: false,
          query,
          ...(slices > 1 ? { slice: { id: String(slice), max: slices } } : {}),
          ...(source !== undefined ? { _source: source } : {}),
          ...(searchAfter ? { search_after: searchAfter } : {}),
        }),
      );
      if (response.pit_id) pitId = response.pit_id;
      const hits = response.hits.hits;
      const rows = hits.flatMap((hit) => (hit._id ? [{ id: hit._id, source: hit._source }] : []));
      if (failed) return;
      if (rows.length > 0) await each(rows);
      if (hits.length < batchSize) return;
      searchAfter = hits[hits.length - 1]?.sort;
      if (!searchAfter) return;
    }
  };
  try {
    const outcomes = await Promise.allSettled(
      Array.from({ length: Math.max(1, slices) }, (_, i) =>
        readSlice(i).catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (rejected) throw rejected.reason;
  } finally {
    await transport
      .call('pit', (client) => client.closePointInTime({ id: pitId }))
      .catch(() => undefined);
  }
}
