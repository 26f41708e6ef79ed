import { Client, Transport, errors } from '@elastic/elasticsearch';
import { isZeroNorm, unitVector } from '../../lsh/vector-math.js';
import { ErrorCode, LshqlError } from '../../domain/errors.js';
import type { SerializedLshModel } from '../../lsh/model-serialization.js';
import type { StoredModel } from '../../models/model-record.js';
import {
  STALE_GENERATION,
  type Candidate,
  type Generation,
  type HashBatch,
  type ItemWriteResult,
  type ModelStore,
  type SearchBackend,
  type VectorRow,
} from '../backend.js';
import {
  MODALITIES,
  lshField,
  modalityKey,
  denseVectorField,
  type Modality,
} from '../../domain/modalities.js';
import type { SimilarPlan } from '../query-plan.js';
import type { ItemView, StoredItem } from '../../domain/item.js';
import { INDEX_SETTINGS, MODELS_MAPPING, generationMapping } from './index-mapping.js';
import { compileSimilarQuery, exactScoreOf } from './more-like-this-query.js';
import { decodeVector, encodeVector } from './vector-encoding.js';

export interface ElasticsearchBackendOptions {
  url: string;
  /** Index names start with it, so several deployments (or tests) can share one cluster. */
  indexPrefix: string;
  requestTimeoutMs: number;
  maxRetries: number;
  /** Refresh policy of writes: `wait_for` makes ingested items searchable before returning. */
  refresh: boolean | 'wait_for';
  /** Called with every request's duration, for metrics. */
  onRequest?: (operation: string, seconds: number) => void;
  /**
   * After a transport failure, requests fail at once with BACKEND_UNAVAILABLE for this long
   * instead of each waiting for its own timeout; the first request after it tries again.
   */
  cooldownMs?: number;
}

/** The document shape in the items index. */
interface ItemDocument {
  id: string;
  title: string | null;
  text: string | null;
  tags: string[];
  modalities: Modality[];
  image_lsh?: string[];
  text_lsh?: string[];
  image_model_version?: number;
  text_model_version?: number;
  /** Base64 float32 (see vector-encoding.ts). */
  vectors?: { image?: string; text?: string };
  /** For exact ranking in Elasticsearch (absent for a zero vector); never in `_source`. */
  image_vector?: number[];
  text_vector?: number[];
  /** When the item was written (µs, gateway clock): the external version of the document. */
  revision?: number;
}

interface ModelDocument {
  kind: 'model' | 'active';
  modality: Modality;
  version: number;
  created_at?: string;
  model?: SerializedLshModel;
}

function toDocument(item: StoredItem): ItemDocument {
  const doc: ItemDocument = {
    id: item.id,
    title: item.title,
    text: item.text,
    tags: item.tags,
    modalities: item.modalities,
    vectors: {},
  };
  for (const m of MODALITIES) {
    const vector = item.vectors[m];
    if (vector && doc.vectors) {
      doc.vectors[modalityKey(m)] = encodeVector(vector);
      if (!isZeroNorm(vector)) doc[denseVectorField(m)] = unitVector(vector);
    }
    const tokens = item.tokens[m];
    const version = item.modelVersions[m];
    if (tokens && version !== undefined) {
      doc[lshField(m)] = tokens;
      doc[`${modalityKey(m)}_model_version`] = version;
    }
  }
  return doc;
}

/** Adds the dense vectors a document read back from `_source` lacks (they are not kept there). */
function withDenseVectors(doc: ItemDocument): ItemDocument {
  const copy = { ...doc };
  for (const m of MODALITIES) {
    const encoded = doc.vectors?.[modalityKey(m)];
    const vector = encoded ? decodeVector(encoded) : null;
    if (vector && !isZeroNorm(vector)) copy[denseVectorField(m)] = unitVector(vector);
  }
  return copy;
}

function toView(doc: ItemDocument): ItemView {
  return {
    id: doc.id,
    title: doc.title ?? null,
    text: doc.text ?? null,
    tags: doc.tags ?? [],
    modalities: doc.modalities ?? [],
  };
}

function vectorsOf(doc: ItemDocument): Partial<Record<Modality, number[]>> {
  const vectors: Partial<Record<Modality, number[]>> = {};
  for (const m of MODALITIES) {
    const v = doc.vectors?.[modalityKey(m)];
    if (v) vectors[m] = decodeVector(v);
  }
  return vectors;
}

function modelVersionsOf(doc: ItemDocument): Partial<Record<Modality, number>> {
  const versions: Partial<Record<Modality, number>> = {};
  for (const m of MODALITIES) {
    const version = doc[`${modalityKey(m)}_model_version`];
    if (version !== undefined) versions[m] = version;
  }
  return versions;
}

function fromDocument(doc: ItemDocument): StoredItem {
  const item: StoredItem = {
    ...toView(doc),
    vectors: vectorsOf(doc),
    tokens: {},
    modelVersions: {},
  };
  for (const m of MODALITIES) {
    const tokens = doc[lshField(m)];
    const version = doc[`${modalityKey(m)}_model_version`];
    if (tokens && version !== undefined) {
      item.tokens[m] = tokens;
      item.modelVersions[m] = version;
    }
  }
  return item;
}

/** Failures that say the cluster is down, unreachable or overloaded (not a bad request). */
function isUnavailable(error: unknown): boolean {
  return (
    error instanceof errors.ConnectionError ||
    error instanceof errors.TimeoutError ||
    error instanceof errors.NoLivingConnectionsError ||
    (error instanceof errors.ResponseError && [429, 502, 503, 504].includes(error.statusCode ?? 0))
  );
}

function unavailableError(): LshqlError {
  return new LshqlError(
    ErrorCode.BACKEND_UNAVAILABLE,
    'Elasticsearch is unreachable or overloaded; retry shortly.',
  );
}

/** Short exponential backoff with jitter between retries: ~0.1 s, ~0.2 s, ~0.4 s … */
function retryBackoff(_min: number, _max: number, attempt: number): number {
  const base = Math.min(2, 0.05 * 2 ** attempt);
  return base + Math.random() * base;
}

/**
 * The client's transport with a shorter retry backoff: its default waits 1–2 s, then 2–4 s,
 * which turns a dead cluster into multi-second stalls instead of a quick BACKEND_UNAVAILABLE.
 */
class ShortBackoffTransport extends Transport {
  constructor(options: ConstructorParameters<typeof Transport>[0]) {
    super({ ...options, retryBackoff });
  }
}

/** How far gateway clocks may disagree, for ordering writes by their revision. */
const CLOCK_SKEW_MS = 5000;

/** The next generation's index name: `<alias>-000001` → `<alias>-000002`. */
export function nextGenerationIndex(alias: string, current: string): string {
  const number = Number(/-(\d+)$/.exec(current)?.[1] ?? '0') + 1;
  return `${alias}-${String(number).padStart(6, '0')}`;
}

function bulkItemError(
  entry: Record<string, { error?: { type?: string; reason?: string | null } }>,
) {
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

export class ElasticsearchBackend implements SearchBackend {
  readonly kind = 'elasticsearch' as const;
  readonly client: Client;
  readonly itemsAlias: string;
  readonly modelsIndex: string;
  readonly models: ModelStore;

  constructor(private readonly options: ElasticsearchBackendOptions) {
    this.client = new Client({
      node: options.url,
      requestTimeout: options.requestTimeoutMs,
      maxRetries: options.maxRetries,
      Transport: ShortBackoffTransport,
    });
    this.itemsAlias = `${options.indexPrefix}-items`;
    this.modelsIndex = `${options.indexPrefix}-models`;
    this.models = new ElasticsearchModelStore(this);
  }

  private unavailableUntil = 0;

  /**
   * Runs one request, timing it. Transport failures become BACKEND_UNAVAILABLE and open a short
   * cooldown during which requests fail fast; the first request after it probes the cluster again.
   */
  async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    if (Date.now() < this.unavailableUntil) throw unavailableError();
    const started = process.hrtime.bigint();
    try {
      return await run();
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      this.unavailableUntil = Date.now() + (this.options.cooldownMs ?? 1000);
      throw unavailableError();
    } finally {
      this.options.onRequest?.(operation, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async init(): Promise<void> {
    await this.call('init', async () => {
      const aliasExists = await this.client.indices.existsAlias({ name: this.itemsAlias });
      if (!aliasExists) {
        await this.createIgnoringRace(`${this.itemsAlias}-000001`, {
          mappings: generationMapping({}),
          aliases: { [this.itemsAlias]: { is_write_index: true } },
        });
      }
      if (!(await this.client.indices.exists({ index: this.modelsIndex }))) {
        await this.createIgnoringRace(this.modelsIndex, { mappings: MODELS_MAPPING });
      }
      await this.client.cluster.health({
        index: [this.itemsAlias, this.modelsIndex],
        wait_for_status: 'yellow',
        timeout: '30s',
      });
    });
  }

  private async createIgnoringRace(index: string, body: Record<string, unknown>): Promise<void> {
    try {
      await this.client.indices.create({ index, settings: INDEX_SETTINGS, ...body });
    } catch (error) {
      // Another gateway instance created it first: that is fine.
      if (
        error instanceof errors.ResponseError &&
        JSON.stringify(error.body).includes('resource_already_exists_exception')
      ) {
        return;
      }
      throw error;
    }
  }

  async isReady(): Promise<boolean> {
    try {
      const health = await this.client.cluster.health(
        { timeout: '1s' },
        { requestTimeout: 2000, maxRetries: 0 },
      );
      return health.status !== 'red';
    } catch {
      return false;
    }
  }

  async getItems(
    ids: readonly string[],
    options: { withVectors?: boolean } = {},
  ): Promise<(StoredItem | null)[]> {
    if (ids.length === 0) return [];
    const response = await this.call('mget', () =>
      this.client.mget<ItemDocument>({
        index: this.itemsAlias,
        ids: [...ids],
        ...(options.withVectors ? {} : { _source_excludes: ['vectors'] }),
      }),
    );
    return response.docs.map((doc) =>
      'found' in doc && doc.found && doc._source ? fromDocument(doc._source) : null,
    );
  }

  async generation(): Promise<Generation> {
    const mappings = await this.call('generation', () =>
      this.client.indices.getMapping({ index: this.itemsAlias }),
    );
    const [index, mapping] = Object.entries(mappings)[0] ?? [];
    if (!index || !mapping) throw new Error(`alias ${this.itemsAlias} names no index`);
    const meta = mapping.mappings._meta as { model_versions?: Generation['versions'] } | undefined;
    return { id: index, versions: { ...(meta?.model_versions ?? {}) } };
  }

  private lastRevision = 0;

  /** A strictly increasing write time in µs: newer writes of an item always win. */
  private nextRevision(): number {
    this.lastRevision = Math.max(this.lastRevision + 1, Date.now() * 1000);
    return this.lastRevision;
  }

  async putItems(items: readonly StoredItem[], generation?: string): Promise<ItemWriteResult[]> {
    if (items.length === 0) return [];
    const operations = items.flatMap((item) => {
      const revision = this.nextRevision();
      return [
        {
          index: {
            _index: generation ?? this.itemsAlias,
            _id: item.id,
            version: revision,
            version_type: 'external_gte' as const,
          },
        },
        { ...toDocument(item), revision },
      ];
    });
    const response = await this.call('bulk', () =>
      this.client.bulk({ operations, refresh: this.options.refresh }),
    );
    return response.items.map((entry, i) => ({
      id: items[i]!.id,
      ...(bulkItemError(entry) ? { error: bulkItemError(entry) } : {}),
    }));
  }

  async deleteItems(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const response = await this.call('bulk', () =>
      this.client.bulk({
        operations: ids.map((id) => ({ delete: { _index: this.itemsAlias, _id: id } })),
        refresh: this.options.refresh,
      }),
    );
    return response.items.filter((entry) => entry.delete?.result === 'deleted').length;
  }

  async *scanVectors(
    modality: Modality,
    options: { batchSize: number },
  ): AsyncIterable<VectorRow[]> {
    const key = modalityKey(modality);
    let searchAfter: (string | number)[] | undefined;
    for (;;) {
      const response = await this.call('scan', () =>
        this.client.search<ItemDocument>({
          index: this.itemsAlias,
          size: options.batchSize,
          sort: [{ id: 'asc' }],
          track_total_hits: false,
          _source: [`vectors.${key}`],
          query: { bool: { filter: [{ term: { modalities: modality } }] } },
          ...(searchAfter ? { search_after: searchAfter } : {}),
        }),
      );
      const hits = response.hits.hits;
      const rows: VectorRow[] = [];
      for (const hit of hits) {
        const vector = hit._source?.vectors?.[key];
        if (hit._id !== undefined && hit._id !== null && vector) {
          rows.push({ id: hit._id, vector: decodeVector(vector) });
        }
      }
      if (rows.length > 0) yield rows;
      if (hits.length < options.batchSize) return;
      searchAfter = hits[hits.length - 1]?.sort as (string | number)[] | undefined;
      if (!searchAfter) return;
    }
  }

  async storedDimension(modality: Modality): Promise<number | null> {
    const key = modalityKey(modality);
    const response = await this.call('search', () =>
      this.client.search<ItemDocument>({
        index: this.itemsAlias,
        size: 1,
        _source: [`vectors.${key}`],
        query: { term: { modalities: modality } },
      }),
    );
    const vector = response.hits.hits[0]?._source?.vectors?.[key];
    return vector === undefined ? null : decodeVector(vector).length;
  }

  async countItems(): Promise<number> {
    const response = await this.call('count', () => this.client.count({ index: this.itemsAlias }));
    return response.count;
  }

  async executeSimilar(plan: SimilarPlan): Promise<Candidate[]> {
    const body = compileSimilarQuery(plan, this.itemsAlias);
    const response = await this.call('similar', () =>
      this.client.search<ItemDocument>({ index: this.itemsAlias, ...body }),
    );
    return response.hits.hits.flatMap((hit) =>
      hit._source
        ? [
            {
              item: toView(hit._source),
              vectors: plan.rank ? {} : vectorsOf(hit._source),
              modelVersions: modelVersionsOf(hit._source),
              ...(plan.rank ? { exactScore: exactScoreOf(hit._score) } : {}),
            },
          ]
        : [],
    );
  }

  /** Reads one index in id order, full documents, in batches. */
  private async *scanIndex(
    index: string,
    batchSize: number,
    query: Record<string, unknown> = { match_all: {} },
    withSource = true,
  ): AsyncIterable<{ id: string; doc: ItemDocument }[]> {
    let searchAfter: (string | number)[] | undefined;
    for (;;) {
      const response = await this.call('scan', () =>
        this.client.search<ItemDocument>({
          index,
          size: batchSize,
          sort: [{ id: 'asc' }],
          track_total_hits: false,
          query,
          ...(withSource ? {} : { _source: false }),
          ...(searchAfter ? { search_after: searchAfter } : {}),
        }),
      );
      const hits = response.hits.hits;
      const rows = hits.flatMap((hit) =>
        hit._id && (hit._source || !withSource)
          ? [{ id: hit._id, doc: hit._source ?? ({} as ItemDocument) }]
          : [],
      );
      if (rows.length > 0) yield rows;
      if (hits.length < batchSize) return;
      searchAfter = hits[hits.length - 1]?.sort as (string | number)[] | undefined;
      if (!searchAfter) return;
    }
  }

  /**
   * Copies documents into `target`, re-hashing `modality` with `hash`. Each copy keeps the
   * source's revision as its external version, so it never overwrites a newer write.
   */
  private async copyGeneration(
    source: AsyncIterable<{ id: string; doc: ItemDocument }[]>,
    target: string,
    modality: Modality,
    version: number,
    hash: HashBatch,
    onCopied: (rehashedIds: string[]) => void,
  ): Promise<void> {
    const key = modalityKey(modality);
    for await (const rows of source) {
      const toHash = rows.filter((row) => row.doc.vectors?.[key]);
      const tokens = await hash(toHash.map((row) => decodeVector(row.doc.vectors![key]!)));
      toHash.forEach((row, i) => {
        row.doc[lshField(modality)] = tokens[i]!;
        row.doc[`${key}_model_version`] = version;
      });
      const operations = rows.flatMap((row) => {
        const revision = row.doc.revision ?? 0;
        return [
          {
            index: {
              _index: target,
              _id: row.id,
              version: revision,
              version_type: 'external_gte' as const,
            },
          },
          { ...withDenseVectors(row.doc), revision },
        ];
      });
      const response = await this.call('bulk', () =>
        this.client.bulk({ operations, refresh: false }),
      );
      const failed = response.items.filter((entry) => {
        const error = Object.values(entry)[0]?.error;
        return error && error.type !== 'version_conflict_engine_exception';
      });
      if (failed.length > 0) {
        throw new Error(
          `copying into ${target} failed: ${JSON.stringify(failed[0]).slice(0, 500)}`,
        );
      }
      onCopied(toHash.map((row) => row.id));
    }
  }

  /**
   * Builds the next generation with `modality` re-hashed by `version`, then swaps the alias to
   * it in one atomic request. Writes that still reach the old generation are carried over after
   * it is write-blocked (writers see STALE_GENERATION and write again to the new one).
   */
  async activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    onProgress?: (rehashed: number) => void,
  ): Promise<number> {
    const current = await this.generation();
    await this.deleteGenerationsBefore(current.id);
    const target = nextGenerationIndex(this.itemsAlias, current.id);
    await this.call('init', () =>
      this.client.indices.create({
        index: target,
        settings: INDEX_SETTINGS,
        mappings: generationMapping({ ...current.versions, [modality]: version }),
      }),
    );
    // The catch-up pass may copy an item again: count each item once.
    const rehashedIds = new Set<string>();
    const progress = (ids: string[]) => {
      for (const id of ids) rehashedIds.add(id);
      onProgress?.(rehashedIds.size);
    };
    try {
      // A write stamped before this moment may still be on its way (until its request times out,
      // retries included) or come from an instance whose clock is a little behind: the catch-up
      // pass looks back that far. Copies never overwrite newer writes, so looking back is safe.
      const lookBack =
        (this.options.requestTimeoutMs * (this.options.maxRetries + 1) + CLOCK_SKEW_MS) * 1000;
      const copyStart = this.nextRevision() - lookBack;
      await this.call('refresh', () => this.client.indices.refresh({ index: current.id }));
      await this.copyGeneration(
        this.scanIndex(current.id, 500),
        target,
        modality,
        version,
        hash,
        progress,
      );
      await this.call('refresh', () => this.client.indices.refresh({ index: target }));
      const switchedAt = this.nextRevision();
      await this.call('alias', () =>
        this.client.indices.updateAliases({
          actions: [
            { remove: { index: current.id, alias: this.itemsAlias } },
            { add: { index: target, alias: this.itemsAlias, is_write_index: true } },
          ],
        }),
      );
      // From here on nothing lands in the old generation; then carry over what did meanwhile.
      await this.call('block', () =>
        this.client.indices.addBlock({ index: current.id, block: 'write' }),
      );
      // Writes acknowledged before the block must be visible to the catch-up scan.
      await this.call('refresh', () => this.client.indices.refresh({ index: current.id }));
      await this.copyGeneration(
        this.scanIndex(current.id, 500, { range: { revision: { gte: copyStart } } }),
        target,
        modality,
        version,
        hash,
        progress,
      );
      // Writes stamped (up to clock skew) before the switch went to the old generation only.
      await this.removeDeletedSince(current.id, target, switchedAt - CLOCK_SKEW_MS * 1000);
      await this.call('refresh', () => this.client.indices.refresh({ index: target }));
    } catch (error) {
      const aliases = await this.client.indices
        .getAlias({ name: this.itemsAlias })
        .catch(() => ({}));
      // Not switched yet: drop the half-built generation and keep serving the current one.
      if (!(target in aliases))
        await this.client.indices.delete({ index: target }, { ignore: [404] });
      throw error;
    }
    // The old generation stays, write-blocked: a late write to it fails and is sent again to the
    // new one (deleted, its name would be auto-created by the next write and swallow it).
    return rehashedIds.size;
  }

  /** Drops the generations replaced before `current` (kept one activation long, blocked). */
  private async deleteGenerationsBefore(current: string): Promise<void> {
    const indexes = await this.call('init', () =>
      this.client.indices.get({ index: `${this.itemsAlias}-*` }, { ignore: [404] }),
    );
    const old = Object.keys(indexes).filter((index) => index < current);
    if (old.length > 0) await this.call('delete', () => this.client.indices.delete({ index: old }));
  }

  /**
   * Deletes from `target` the items written before `before` that are no longer in the old
   * generation: they were deleted there after the copy read them.
   */
  private async removeDeletedSince(old: string, target: string, before: number): Promise<void> {
    const kept = new Set<string>();
    for await (const rows of this.scanIndex(old, 5000, { match_all: {} }, false)) {
      for (const row of rows) kept.add(row.id);
    }
    const gone: string[] = [];
    const query = { range: { revision: { lt: before } } };
    for await (const rows of this.scanIndex(target, 5000, query, false)) {
      for (const row of rows) if (!kept.has(row.id)) gone.push(row.id);
    }
    if (gone.length === 0) return;
    await this.call('bulk', () =>
      this.client.bulk({ operations: gone.map((id) => ({ delete: { _index: target, _id: id } })) }),
    );
  }

  async refresh(): Promise<void> {
    await this.call('refresh', () => this.client.indices.refresh({ index: this.itemsAlias }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

class ElasticsearchModelStore implements ModelStore {
  constructor(private readonly backend: ElasticsearchBackend) {}

  private get client() {
    return this.backend.client;
  }

  private toStored(doc: ModelDocument): StoredModel | null {
    if (doc.kind !== 'model' || !doc.model || !doc.created_at) return null;
    return {
      modality: doc.modality,
      version: doc.version,
      createdAt: doc.created_at,
      model: doc.model,
    };
  }

  async list(modality?: Modality): Promise<StoredModel[]> {
    const response = await this.backend.call('models', () =>
      this.client.search<ModelDocument>({
        index: this.backend.modelsIndex,
        size: 1000,
        sort: [{ modality: 'asc' }, { version: 'desc' }],
        query: {
          bool: {
            filter: [{ term: { kind: 'model' } }, ...(modality ? [{ term: { modality } }] : [])],
          },
        },
      }),
    );
    return response.hits.hits.flatMap((hit) => {
      const stored = hit._source ? this.toStored(hit._source) : null;
      return stored ? [stored] : [];
    });
  }

  async get(modality: Modality, version: number): Promise<StoredModel | null> {
    const response = await this.backend.call('models', () =>
      this.client.get<ModelDocument>(
        { index: this.backend.modelsIndex, id: `model-${modality}-${version}` },
        { ignore: [404] },
      ),
    );
    return response.found && response._source ? this.toStored(response._source) : null;
  }

  async create(model: StoredModel): Promise<boolean> {
    try {
      await this.backend.call('models', () =>
        this.client.create<ModelDocument>({
          index: this.backend.modelsIndex,
          id: `model-${model.modality}-${model.version}`,
          // Visible to `list` at once; model writes are rare, so the forced refresh is cheap.
          refresh: true,
          document: {
            kind: 'model',
            modality: model.modality,
            version: model.version,
            created_at: model.createdAt,
            model: model.model,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 409) return false;
      throw error;
    }
  }
}
