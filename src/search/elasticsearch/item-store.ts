import { ErrorCode } from '../../domain/errors.js';
import type { Modality } from '../../domain/modalities.js';
import type { StoredItem } from '../../domain/item.js';
import {
  STALE_GENERATION,
  type CandidateList,
  type ItemWriteResult,
  type VectorRow,
} from '../backend.js';
import type { SimilarPlan } from '../query-plan.js';
import {
  encodedVectorOf,
  encodedVectorPath,
  fromDocument,
  keysDocument,
  modelVersionsOf,
  toDocument,
  toView,
  vectorsOf,
  type ItemDocument,
} from './item-document.js';
import { compileSimilarQuery, exactScoreOf, type CompileOptions } from './query-compiler.js';
import type { ResilientTransport } from './resilient-transport.js';
import type { RevisionClock } from './revision-clock.js';
import { scan } from './scan.js';
import { decodeVector } from './vector-encoding.js';

export interface ItemStoreOptions {
  /** The alias of the current generation: reads and writes go through it. */
  alias: string;
  /** Refresh policy of writes: `wait_for` makes ingested items searchable before returning. */
  refresh: boolean | 'wait_for';
  /** Lean switches of the similar query (all on when omitted). */
  query?: CompileOptions;
}

type BulkResponseItem = Record<string, { error?: { type?: string; reason?: string | null } }>;

/** Why one item of a bulk write did not land, as the code the writer acts on. */
function bulkItemError(entry: BulkResponseItem): ItemWriteResult['error'] {
  const result = Object.values(entry)[0];
  if (!result?.error) return undefined;
  const type = result.error.type ?? 'error';
  if (type === 'cluster_block_exception' || type === 'index_not_found_exception') {
    return { code: STALE_GENERATION, message: 'A new generation of the items replaced this one.' };
  }
  if (type === 'document_missing_exception') {
    return { code: ErrorCode.NOT_FOUND, message: 'No item with this id is stored.' };
  }
  if (type === 'version_conflict_engine_exception') {
    return { code: ErrorCode.CONFLICT, message: 'The item changed while it was being written.' };
  }
  return {
    code: ErrorCode.BAD_USER_INPUT,
    message: `Elasticsearch rejected the item (${type}).`,
  };
}

/** The items of the current generation: reads, writes, vector scans and the similar search. */
export class ItemStore {
  constructor(
    private readonly transport: ResilientTransport,
    private readonly revisions: RevisionClock,
    private readonly options: ItemStoreOptions,
  ) {}

  private get alias(): string {
    return this.options.alias;
  }

  async getItems(
    ids: readonly string[],
    options: { withVectors?: boolean } = {},
  ): Promise<(StoredItem | null)[]> {
    if (ids.length === 0) return [];
    const response = await this.transport.call('mget', (client) =>
      client.mget<ItemDocument>({
        index: this.alias,
        ids: [...ids],
        ...(options.withVectors ? {} : { _source_excludes: ['vectors'] }),
      }),
    );
    return response.docs.map((doc) =>
      'found' in doc && doc.found && doc._source ? fromDocument(doc._source) : null,
    );
  }

  /**
   * Writes each item stamped with a new revision, its external version: a write never replaces
   * a newer one, including a copy made by an activation running meanwhile.
   */
  async putItems(items: readonly StoredItem[], generation?: string): Promise<ItemWriteResult[]> {
    if (items.length === 0) return [];
    const operations = items.flatMap((item) => {
      const revision = this.revisions.next();
      return [
        {
          index: {
            _index: generation ?? this.alias,
            _id: item.id,
            version: revision,
            version_type: 'external_gte' as const,
          },
        },
        { ...toDocument(item), revision },
      ];
    });
    const response = await this.transport.call('bulk', (client) =>
      client.bulk({ operations, refresh: this.options.refresh }),
    );
    return response.items.map((entry, i) => {
      const error = bulkItemError(entry);
      return { id: items[i]!.id, ...(error ? { error } : {}) };
    });
  }

  /**
   * Deletes items, each stamped with a revision like a write (a copy made by an activation never
   * brings it back). A delete that hits a generation replaced meanwhile is sent again through the
   * alias, to the new one.
   */
  async deleteItems(ids: readonly string[]): Promise<number> {
    let pending = [...ids];
    let deleted = 0;
    for (let attempt = 0; attempt < 3 && pending.length > 0; attempt++) {
      const batch = pending;
      const response = await this.transport.call('bulk', (client) =>
        client.bulk({
          operations: batch.map((id) => ({
            delete: {
              _index: this.alias,
              _id: id,
              version: this.revisions.next(),
              version_type: 'external_gte' as const,
            },
          })),
          refresh: this.options.refresh,
        }),
      );
      pending = [];
      response.items.forEach((entry, i) => {
        if (entry.delete?.result === 'deleted') deleted++;
        else if (bulkItemError(entry)?.code === STALE_GENERATION) pending.push(batch[i]!);
      });
    }
    return deleted;
  }

  async countItems(): Promise<number> {
    const response = await this.transport.call('count', (client) =>
      client.count({ index: this.alias }),
    );
    return response.count;
  }

  async *scanVectors(
    modality: Modality,
    options: { batchSize: number },
  ): AsyncIterable<VectorRow[]> {
    const batches = scan<ItemDocument>(this.transport, {
      index: this.alias,
      batchSize: options.batchSize,
      query: { bool: { filter: [{ term: { modalities: modality } }] } },
      source: [encodedVectorPath(modality)],
    });
    for await (const batch of batches) {
      const rows: VectorRow[] = [];
      for (const { id, source } of batch) {
        const vector = source && encodedVectorOf(source, modality);
        if (vector) rows.push({ id, vector: decodeVector(vector) });
      }
      if (rows.length > 0) yield rows;
    }
  }

  async storedDimension(modality: Modality): Promise<number | null> {
    const response = await this.transport.call('search', (client) =>
      client.search<ItemDocument>({
        index: this.alias,
        size: 1,
        _source: [encodedVectorPath(modality)],
        query: { term: { modalities: modality } },
      }),
    );
    const source = response.hits.hits[0]?._source;
    const vector = source && encodedVectorOf(source, modality);
    return vector === undefined ? null : decodeVector(vector).length;
  }

  /** Runs a plan as one `_search` (see query-compiler.ts). */
  async executeSimilar(plan: SimilarPlan): Promise<CandidateList> {
    const body = compileSimilarQuery(plan, this.alias, this.options.query);
    const response = await this.transport.call('similar', (client) =>
      client.search<ItemDocument>({ index: this.alias, ...body }),
    );
    const total = response.hits.total;
    const keysOnly = body._source === false;
    const candidates: CandidateList = response.hits.hits.flatMap((hit) => {
      const doc = keysOnly ? keysDocument(hit.fields ?? {}) : hit._source;
      if (!doc) return [];
      return [
        {
          item: toView(doc),
          vectors: plan.rank ? {} : vectorsOf(doc),
          modelVersions: modelVersionsOf(doc),
          ...(plan.rank ? { exactScore: exactScoreOf(hit._score) } : {}),
          ...(keysOnly ? { keysOnly: true as const } : {}),
        },
      ];
    });
    if (plan.countUpTo !== undefined && total !== undefined) {
      candidates.matched = typeof total === 'number' ? total : total.value;
    }
    return candidates;
  }
}
