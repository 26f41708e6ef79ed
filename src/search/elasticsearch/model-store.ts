import { errors } from '@elastic/elasticsearch';
import type { Modality } from '../../domain/modalities.js';
import type { SerializedLshModel } from '../../lsh/model-serialization.js';
import { modelKey, type StoredModel } from '../../models/model-record.js';
import type { ModelStore } from '../../models/ports.js';
import type { ResilientTransport } from './resilient-transport.js';

/** A model version as stored in the models index, under the id `modelKey(modality, version)`. */
interface ModelDocument {
  /** Always 'model': `list` reads only these (an older release also kept 'active' pointers). */
  kind: 'model';
  modality: Modality;
  version: number;
  created_at?: string;
  model?: SerializedLshModel;
}

/** The id an older release stored a model version under; still read, never written. */
function legacyId(modality: Modality, version: number): string {
  return `model-${modelKey(modality, version)}`;
}

function toStored(doc: ModelDocument): StoredModel | null {
  if (!doc.model || !doc.created_at) return null;
  return {
    modality: doc.modality,
    version: doc.version,
    createdAt: doc.created_at,
    model: doc.model,
  };
}

/** Immutable model versions, one document each in the models index. */
export class ElasticsearchModelStore implements ModelStore {
  constructor(
    private readonly transport: ResilientTransport,
    private readonly index: string,
  ) {}

  async list(modality?: Modality): Promise<StoredModel[]> {
    const response = await this.transport.call('models', (client) =>
      client.search<ModelDocument>({
        index: this.index,
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
      const stored = hit._source ? toStored(hit._source) : null;
      return stored ? [stored] : [];
    });
  }

  async get(modality: Modality, version: number): Promise<StoredModel | null> {
    // One real-time read of both ids: versions stored by an older release keep their old id.
    const response = await this.transport.call('models', (client) =>
      client.mget<ModelDocument>({
        index: this.index,
        ids: [modelKey(modality, version), legacyId(modality, version)],
      }),
    );
    for (const doc of response.docs) {
      if ('found' in doc && doc.found && doc._source) return toStored(doc._source);
    }
    return null;
  }

  async create(model: StoredModel): Promise<boolean> {
    try {
      await this.transport.call('models', (client) =>
        client.create<ModelDocument>({
          index: this.index,
          id: modelKey(model.modality, model.version),
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
