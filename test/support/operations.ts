/** GraphQL operations the tests send, as a client would. */
export const INGEST = `mutation Ingest($items: [ItemInput!]!) {
  ingestItems(items: $items) { indexed failed { id code message } }
}`;

export const TRAIN = `mutation Train($modality: Modality!, $subspaces: Int, $clusters: Int, $sampleSize: Int) {
  trainModel(modality: $modality, subspaces: $subspaces, clusters: $clusters, sampleSize: $sampleSize) {
    modality version dim subspaces clusters active trainedOn
  }
}`;

export const SIMILAR = `query Similar($id: ID!, $textFilter: String, $modalities: [Modality!], $first: Int) {
  similar(id: $id, textFilter: $textFilter, modalities: $modalities, first: $first) {
    hits { score item { id title text tags } }
    modelVersions { modality version }
  }
}`;

export const SIMILAR_TO_VECTOR = `query ByVector($modality: Modality!, $vector: [Float!]!, $textFilter: String, $first: Int) {
  similarToVector(modality: $modality, vector: $vector, textFilter: $textFilter, first: $first) {
    hits { score item { id title text } }
  }
}`;

export const MODELS = `query Models($modality: Modality) {
  lshModels(modality: $modality) { modality version dim subspaces clusters active }
}`;

export const DELETE = `mutation Delete($ids: [ID!]!) { deleteItems(ids: $ids) }`;

export interface SimilarData {
  similar: {
    hits: {
      score: number;
      item: { id: string; title: string | null; text: string | null; tags: string[] };
    }[];
    modelVersions: { modality: string; version: number }[];
  };
}

export interface IngestData {
  ingestItems: { indexed: number; failed: { id: string; code: string; message: string }[] };
}

export interface TrainData {
  trainModel: {
    modality: string;
    version: number;
    dim: number;
    subspaces: number;
    clusters: number;
    active: boolean;
    trainedOn: number;
  };
}

const JOB_FIELDS = `id modality state progress itemsRehashed itemsTotal error startedAt finishedAt
  model { modality version active }`;

export const START_TRAINING = `mutation Start($modality: Modality!, $subspaces: Int, $clusters: Int, $sampleSize: Int) {
  startTraining(modality: $modality, subspaces: $subspaces, clusters: $clusters, sampleSize: $sampleSize) {
    ${JOB_FIELDS}
  }
}`;

export const TRAINING_JOB = `query Job($id: ID!) { trainingJob(id: $id) { ${JOB_FIELDS} } }`;

export const TRAINING_JOBS = `query Jobs { trainingJobs { ${JOB_FIELDS} } }`;

export interface TrainingJobData {
  id: string;
  modality: string;
  state: 'QUEUED' | 'SAMPLING' | 'TRAINING' | 'REHASHING' | 'DONE' | 'FAILED';
  progress: number;
  itemsRehashed: number;
  itemsTotal: number | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  model: { modality: string; version: number; active: boolean } | null;
}
