import { Client } from '@elastic/elasticsearch';
import type { Dataset } from '../data/dataset.js';
import { vectorValues } from '../data/dataset.js';
import { graphql } from './gateway-process.js';
import { assertLoopback } from './loopback.js';

/** A client for measured requests: no retries (a failure is counted, not hidden). */
export function queryClient(url: string): Client {
  return new Client({ node: assertLoopback(url), maxRetries: 0, requestTimeout: 60_000 });
}

const SIMILAR = `query Similar($id: ID!, $first: Int, $modalities: [Modality!], $textFilter: String) {
  similar(id: $id, first: $first, modalities: $modalities, textFilter: $textFilter) {
    hits { item { id title } score }
  }
}`;

const SIMILAR_TO_VECTOR = `query SimilarToVector($modality: Modality!, $vector: [Float!]!, $first: Int) {
  similarToVector(modality: $modality, vector: $vector, first: $first) {
    hits { item { id title } score }
  }
}`;

interface SimilarData {
  similar: { hits: { item: { id: string } }[] };
}
interface SimilarToVectorData {
  similarToVector: { hits: { item: { id: string } }[] };
}

export interface SimilarArgs {
  modalities?: ('IMAGE' | 'TEXT')[];
  textFilter?: (q: number) => string | null;
  first?: number;
}

/** `similar(id)` through the gateway for query q; returns hit ids. */
export function gatewaySimilar(url: string, data: Dataset, args: SimilarArgs = {}) {
  return async (q: number): Promise<string[]> => {
    const id = data.ids[data.queries[q]!]!;
    const result = await graphql<SimilarData>(url, SIMILAR, {
      id,
      first: args.first ?? 10,
      ...(args.modalities ? { modalities: args.modalities } : {}),
      ...(args.textFilter ? { textFilter: args.textFilter(q) } : {}),
    });
    return result.similar.hits.map((h) => h.item.id);
  };
}

/**
 * `similarToVector` through the gateway with the query item's own image vector: asks for 11 and
 * drops the query item itself (it is indexed), so the truth is the same as for `similar`.
 */
export function gatewaySimilarToVector(url: string, data: Dataset) {
  const vectors = data.queries.map((i) => vectorValues(data.image, i));
  return async (q: number): Promise<string[]> => {
    const self = data.ids[data.queries[q]!]!;
    const result = await graphql<SimilarToVectorData>(url, SIMILAR_TO_VECTOR, {
      modality: 'IMAGE',
      vector: vectors[q],
      first: 11,
    });
    return result.similarToVector.hits
      .map((h) => h.item.id)
      .filter((id) => id !== self)
      .slice(0, 10);
  };
}
