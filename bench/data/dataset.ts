/** A benchmark data set: items (text + vectors), the query items and their exact neighbours. */

export interface VectorColumn {
  dim: number;
  /** count × dim, row-major, the values as generated/loaded. */
  data: Float32Array;
  /** Decimal places the source values have (vectors are sent to the API rounded to them). */
  decimals: number;
}

export interface Dataset {
  /** Short name used in tables and cache keys, e.g. `synthetic-10k`. */
  name: string;
  /** Items indexed: the corpus followed by the query items. */
  count: number;
  /** Items of the corpus (the LSH models are trained on a sample of these only). */
  corpusCount: number;
  ids: string[];
  titles: (string | null)[];
  texts: (string | null)[];
  tags: string[][];
  image: VectorColumn;
  text: VectorColumn | null;
  /** Item indexes of the query items (held out of model training; indexed like any item). */
  queries: number[];
  /** Per query: a text filter keeping ~5% of items, on the query's own topic (null: none). */
  ownTopicFilter: (string | null)[] | null;
  /** Per query: a text filter keeping ~5% of items, on another topic. */
  otherTopicFilter: (string | null)[] | null;
}

/** Exact neighbours (ids, best first, the query itself excluded) per query. */
export interface GroundTruth {
  k: number;
  image: string[][];
  /** Mean of image and text cosine (what `similar` ranks by with both modalities). */
  multimodal: string[][] | null;
  /** Image cosine among items matching ownTopicFilter / otherTopicFilter. */
  filteredOwn: string[][] | null;
  filteredOther: string[][] | null;
  /** Items matching each filter (own, other), to check that `first` hits come back. */
  filteredOwnCounts: number[] | null;
  filteredOtherCounts: number[] | null;
  seconds: number;
}

/** The vector of item i as the API gets it: plain numbers rounded like the source. */
export function vectorValues(column: VectorColumn, i: number): number[] {
  const { dim, data, decimals } = column;
  const scale = 10 ** decimals;
  const out = new Array<number>(dim);
  for (let j = 0; j < dim; j++) out[j] = Math.round(data[i * dim + j]! * scale) / scale;
  return out;
}

/** Rows `from..to` of a column as a new flat array. */
export function rows(column: VectorColumn, from: number, to: number): Float32Array {
  return column.data.slice(from * column.dim, to * column.dim);
}
