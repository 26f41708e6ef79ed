import MiniSearch, { type Query, type SearchOptions } from 'minisearch';
import type { StoredItem } from '../../domain/item.js';
import { MODALITY_TABLE, lshField, type Modality } from '../../domain/modalities.js';
import { analyseWords, normaliseWord } from './analyser.js';

/** The analysed text fields the text filter searches. */
const ANALYSED_FIELDS = ['title', 'text'];
/** One LSH token field per modality, named as in Elasticsearch. */
const TOKEN_FIELDS: ReadonlySet<string> = new Set(MODALITY_TABLE.map((row) => row.tokenField));

/** What MiniSearch indexes per item: the text, and each modality's tokens joined by spaces. */
type IndexedDocument = { id: string } & Record<string, string | null>;

function isTokenField(field: string | undefined): boolean {
  return field !== undefined && TOKEN_FIELDS.has(field);
}

/** LSH tokens are whole terms ("3-14" is one term): split on spaces only, never on punctuation. */
function splitTokens(joined: string): string[] {
  return joined.split(' ').filter((token) => token !== '');
}

const keepTerm = (term: string): string => term;

/** Text filter: every word must occur in the title or the text (`cross_fields`, operator AND). */
const FILTER_SEARCH: SearchOptions = {
  fields: ANALYSED_FIELDS,
  combineWith: 'AND',
  prefix: false,
  fuzzy: false,
  tokenize: analyseWords,
  processTerm: normaliseWord,
};

function toIndexedDocument(item: StoredItem): IndexedDocument {
  const document: IndexedDocument = { id: item.id, title: item.title, text: item.text };
  for (const row of MODALITY_TABLE) {
    document[row.tokenField] = item.tokens[row.name]?.join(' ') ?? null;
  }
  return document;
}

/** An item holding some of a clause's terms, with the distinct terms it holds. */
export interface TokenMatch {
  id: string;
  terms: string[];
}

/**
 * The inverted index over the items (one MiniSearch instance): the title and the text analysed
 * like Elasticsearch's `standard` analyser, the LSH tokens as whole terms. It only finds items;
 * ranking them is the caller's.
 */
export class TokenIndex {
  private readonly index = new MiniSearch<IndexedDocument>({
    fields: [...ANALYSED_FIELDS, ...TOKEN_FIELDS],
    storeFields: [],
    tokenize: (text, field) => (isTokenField(field) ? splitTokens(text) : analyseWords(text)),
    processTerm: (term, field) => (isTokenField(field) ? term : normaliseWord(term)),
  });

  add(item: StoredItem): void {
    this.index.add(toIndexedDocument(item));
  }

  /** Removes an item indexed by `add`; `item` must be the very one added. */
  remove(item: StoredItem): void {
    // Stored items are immutable, so the old document is rebuilt exactly and `remove` takes
    // its postings out at once. (`discard` defers that to background vacuuming, which crashed
    // while re-hashing rewrote the index under it.)
    if (this.index.has(item.id)) this.index.remove(toIndexedDocument(item));
  }

  /** Ids of the items whose title or text hold every word of `textFilter`. */
  matchText(textFilter: string): Set<string> {
    return new Set(this.index.search(textFilter, FILTER_SEARCH).map((r) => r.id as string));
  }

  /** The items holding any of `terms` in the modality's token field. */
  matchTokens(modality: Modality, terms: readonly string[]): TokenMatch[] {
    if (terms.length === 0) return [];
    const query: Query = {
      combineWith: 'OR',
      fields: [lshField(modality)],
      prefix: false,
      fuzzy: false,
      tokenize: splitTokens,
      processTerm: keepTerm,
      queries: [...terms],
    };
    // `terms` of a result: the distinct indexed terms it matched (exact matching only).
    return this.index.search(query).map((r) => ({ id: r.id as string, terms: r.terms }));
  }
}
