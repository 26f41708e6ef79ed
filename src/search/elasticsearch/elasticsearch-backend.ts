import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import type { Modality } from '../../domain/modalities.js';
import type { StoredItem } from '../../domain/item.js';
import type {
  CandidateList,
  Generation,
  HashBatch,
  HashWith,
  ActivationOptions,
  ItemWriteResult,
  ModelStore,
  SearchBackend,
  VectorRow,
} from '../backend.js';
import type { SimilarPlan } from '../query-plan.js';
import { Generations, firstGenerationIndex } from './generations.js';
import {
  DEFAULT_LAYOUT,
  MODELS_MAPPING,
  generationMapping,
  generationSettings,
  smallIndexSettings,
  type IndexLayout,
} from './index-mapping.js';
import { ItemStore } from './item-store.js';
import { ElasticsearchJobStore, JOBS_MAPPING } from './job-store.js';
import type { CompileOptions } from './query-compiler.js';
import { ElasticsearchModelStore } from './model-store.js';
import { ResilientTransport } from './resilient-transport.js';
import { RevisionClock } from './revision-clock.js';

export { nextGenerationIndex } from './generations.js';

export interface ElasticsearchBackendOptions {
  url: string;
  /** Index names start with it, so several deployments (or tests) can share one cluster. */
  indexPrefix: string;
  requestTimeoutMs: number;
  maxRetries: number;
  /** Primary shards of each items generation (default 1). */
  shards?: number;
  /** Replicas of every index (default 0). */
  replicas?: number;
  /** Replaced items generations kept after an activation (default 0: deleted). */
  keepGenerations?: number;
  /** Refresh policy of writes: `wait_for` makes ingested items searchable before returning. */
  refresh: boolean | 'wait_for';
  /** Lean switches of the similar query (all on when omitted). */
  query?: CompileOptions;
  /** Called with every request's duration, for metrics. */
  onRequest?: (operation: string, seconds: number) => void;
}

/**
 * The search backend on Elasticsearch: the items behind an alias (item-store.ts), its
 * generations (generations.ts) and the model store (model-store.ts), all through one transport
 * (resilient-transport.ts). This class only wires them and sets the indexes up.
 */
export class ElasticsearchBackend implements SearchBackend {
  readonly kind = 'elasticsearch' as const;
  readonly client: Client;
  readonly itemsAlias: string;
  readonly modelsIndex: string;
  readonly models: ModelStore;
  readonly jobs: ElasticsearchJobStore;
  private readonly transport: ResilientTransport;
  private readonly items: ItemStore;
  private readonly generations: Generations;
  private readonly layout: IndexLayout;

  constructor(options: ElasticsearchBackendOptions) {
    this.transport = new ResilientTransport(options);
    this.layout = {
      shards: options.shards ?? DEFAULT_LAYOUT.shards,
      replicas: options.replicas ?? DEFAULT_LAYOUT.replicas,
    };
    this.client = this.transport.client;
    this.itemsAlias = `${options.indexPrefix}-items`;
    this.modelsIndex = `${options.indexPrefix}-models`;
    // One clock for item writes and activation: it orders writes against the copy.
    const revisions = new RevisionClock();
    this.items = new ItemStore(this.transport, revisions, {
      alias: this.itemsAlias,
      refresh: options.refresh,
      ...(options.query ? { query: options.query } : {}),
    });
    this.jobs = new ElasticsearchJobStore(this.transport, `${options.indexPrefix}-jobs`);
    this.generations = new Generations(
      this.transport,
      revisions,
      this.itemsAlias,
      this.layout,
      options.keepGenerations ?? 0,
      this.jobs,
    );
    this.models = new ElasticsearchModelStore(this.transport, this.modelsIndex);
  }

  async init(): Promise<void> {
    await this.transport.call('init', async (client) => {
      if (!(await client.indices.existsAlias({ name: this.itemsAlias }))) {
        await this.createIgnoringRace(firstGenerationIndex(this.itemsAlias), {
          settings: generationSettings(this.layout),
          mappings: generationMapping({}),
          aliases: { [this.itemsAlias]: { is_write_index: true } },
        });
      }
      if (!(await client.indices.exists({ index: this.modelsIndex }))) {
        await this.createIgnoringRace(this.modelsIndex, {
          settings: smallIndexSettings(this.layout),
          mappings: MODELS_MAPPING,
        });
      }
      if (!(await client.indices.exists({ index: this.jobs.index }))) {
        await this.createIgnoringRace(this.jobs.index, {
          settings: smallIndexSettings(this.layout),
          mappings: JOBS_MAPPING,
        });
      }
      await client.cluster.health({
        index: [this.itemsAlias, this.modelsIndex, this.jobs.index],
        wait_for_status: 'yellow',
        timeout: '30s',
      });
    });
  }

  private async createIgnoringRace(
    index: string,
    body: Pick<estypes.IndicesCreateRequest, 'settings' | 'mappings' | 'aliases'>,
  ): Promise<void> {
    try {
      await this.client.indices.create({ index, ...body });
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

  getItems(
    ids: readonly string[],
    options?: { withVectors?: boolean },
  ): Promise<(StoredItem | null)[]> {
    return this.items.getItems(ids, options);
  }

  putItems(items: readonly StoredItem[], generation?: string): Promise<ItemWriteResult[]> {
    return this.items.putItems(items, generation);
  }

  deleteItems(ids: readonly string[]): Promise<number> {
    return this.items.deleteItems(ids);
  }

  countItems(): Promise<number> {
    return this.items.countItems();
  }

  executeSimilar(plan: SimilarPlan): Promise<CandidateList> {
    return this.items.executeSimilar(plan);
  }

  scanVectors(modality: Modality, options: { batchSize: number }): AsyncIterable<VectorRow[]> {
    return this.items.scanVectors(modality, options);
  }

  storedDimension(modality: Modality): Promise<number | null> {
    return this.items.storedDimension(modality);
  }

  generation(): Promise<Generation> {
    return this.generations.generation();
  }

  activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    options?: ActivationOptions,
  ): Promise<number> {
    return this.generations.activateModel(modality, version, hash, options);
  }

  finishPendingCarryOver(hashWith: HashWith): Promise<boolean> {
    return this.generations.finishPendingCarryOver(hashWith);
  }

  async refresh(): Promise<void> {
    await this.transport.call('refresh', (client) =>
      client.indices.refresh({ index: this.itemsAlias }),
    );
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
