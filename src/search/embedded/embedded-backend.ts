import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import MiniSearch, { type Query, type SearchOptions } from 'minisearch';
import { ErrorCode, LshqlError } from '../../domain/errors.js';
import type { StoredModel } from '../../models/model-record.js';
import type {
  Candidate,
  Generation,
  HashBatch,
  ItemWriteResult,
  ModelStore,
  SearchBackend,
  VectorRow,
} from '../backend.js';
import { rankExactly } from '../exact-rank.js';
import { MODALITIES, lshField, type Modality } from '../../domain/modalities.js';
import type { MoreLikeThisSettings, SimilarPlan, TokenClause } from '../query-plan.js';
import { toItemView, type ItemView, type StoredItem } from '../../domain/item.js';

export interface EmbeddedBackendOptions {
  /** Where items and models persist between runs; in memory only when unset. */
  file?: string;
  /** Delay between a write and its persistence to `file`; writes in between are batched. */
  saveDelayMs?: number;
}

/** What MiniSearch indexes per item: analysed text, and the LSH tokens joined by spaces. */
interface IndexedDocument {
  id: string;
  title: string | null;
  text: string | null;
  image_lsh: string | null;
  text_lsh: string | null;
}

const TEXT_FIELDS = ['title', 'text'];
const INDEXED_FIELDS = [...TEXT_FIELDS, 'image_lsh', 'text_lsh'];
/** The embedded backend swaps generations in place, so it has just one, named so. */
const EMBEDDED_GENERATION = 'embedded';
/** Items re-hashed between two yields to the event loop while a model is activated. */
const ACTIVATION_CHUNK = 500;
const FILE_FORMAT = 1;
const DEFAULT_SAVE_DELAY_MS = 500;

function isLshField(field: string | undefined): boolean {
  return field === 'image_lsh' || field === 'text_lsh';
}

/** LSH tokens are whole terms ("3-14" is one term): split on spaces only, never on punctuation. */
function splitTokens(joined: string): string[] {
  return joined.split(' ').filter((token) => token !== '');
}

const keepTerm = (term: string): string => term;
const lowerCase = (term: string): string => term.toLowerCase();

const WORD_SEGMENTER = new Intl.Segmenter('und', { granularity: 'word' });
// Lucene's standard tokenizer emits each Han ideograph and Hiragana character as its own token.
const SINGLE_CHARACTER_SCRIPTS = /[\p{sc=Han}\p{sc=Hiragana}]|[^\p{sc=Han}\p{sc=Hiragana}]+/gu;
const MAX_TOKEN_LENGTH = 255;

/**
 * The words of `text` as Elasticsearch's `standard` tokenizer finds them: Unicode (UAX #29) word
 * boundaries, punctuation and symbols dropped, tokens longer than 255 characters split. Query
 * syntax (`title:foo AND (bar OR "baz")`, `*`) is only words and punctuation here.
 */
export function analyseWords(text: string): string[] {
  const words: string[] = [];
  for (const { segment, isWordLike } of WORD_SEGMENTER.segment(text)) {
    if (!isWordLike) continue;
    for (const part of segment.match(SINGLE_CHARACTER_SCRIPTS) ?? []) {
      for (let i = 0; i < part.length; i += MAX_TOKEN_LENGTH) {
        words.push(part.slice(i, i + MAX_TOKEN_LENGTH));
      }
    }
  }
  return words;
}

/**
 * BM25 for the LSH fields: Elasticsearch indexes them as `keyword` (no length norms), so no length
 * normalisation (b = 0); k and d are MiniSearch's defaults. Per matched token the score is then
 * 1.5 × idf, idf as Lucene's BM25 computes it: proportional to Elasticsearch's score.
 */
const LSH_SCORING: SearchOptions = { bm25: { k: 1.2, b: 0, d: 0.5 } };

/** Text filter: every word must occur in the title or the text (`cross_fields`, operator AND). */
const TEXT_FILTER_SEARCH: SearchOptions = {
  fields: TEXT_FIELDS,
  combineWith: 'AND',
  prefix: false,
  fuzzy: false,
  tokenize: analyseWords,
  processTerm: lowerCase,
};

/**
 * Elasticsearch's `minimum_should_match` for `optionalClauses` clauses: `"3"`, `"-1"`, `"75%"`,
 * `"-25%"` and conditional forms such as `"2<75% 9<-3"` (a port of Lucene's/ES's
 * `Queries.calculateMinShouldMatch`).
 */
export function minimumShouldMatchCount(optionalClauses: number, spec: string): number {
  const trimmed = spec.trim();
  if (trimmed.includes('<')) {
    let result = optionalClauses;
    for (const part of trimmed.replace(/\s*<\s*/g, '<').split(/\s+/)) {
      const [bound, rest] = part.split('<');
      const upperBound = parseSpecInteger(bound ?? '', spec);
      if (optionalClauses <= upperBound) return result;
      result = minimumShouldMatchCount(optionalClauses, rest ?? '');
    }
    return result;
  }
  let result: number;
  if (trimmed.endsWith('%')) {
    const calc = Math.trunc((optionalClauses * parseSpecInteger(trimmed.slice(0, -1), spec)) / 100);
    result = calc < 0 ? optionalClauses + calc : calc;
  } else {
    const calc = parseSpecInteger(trimmed, spec);
    result = calc < 0 ? optionalClauses + calc : calc;
  }
  return Math.max(0, result);
}

function parseSpecInteger(text: string, spec: string): number {
  if (!/^[+-]?\d+$/.test(text.trim())) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `minimum_should_match "${spec}" is not valid: use a count ("2"), a percentage ("30%") or a negative one ("-1").`,
    );
  }
  return Number.parseInt(text.trim(), 10);
}

/** A copy the caller may mutate freely; absent fields get their stored defaults. */
function copyItem(source: StoredItem, withVectors: boolean): StoredItem {
  const item: StoredItem = {
    id: source.id,
    title: source.title ?? null,
    text: source.text ?? null,
    tags: [...(source.tags ?? [])],
    modalities: [...(source.modalities ?? [])],
    vectors: {},
    tokens: {},
    modelVersions: {},
  };
  for (const m of MODALITIES) {
    const vector = source.vectors?.[m];
    if (withVectors && vector) item.vectors[m] = [...vector];
    // Like the Elasticsearch document: tokens are kept only together with their model version.
    const tokens = source.tokens?.[m];
    const version = source.modelVersions?.[m];
    if (tokens && version !== undefined) {
      item.tokens[m] = [...tokens];
      item.modelVersions[m] = version;
    }
  }
  return item;
}

function toIndexedDocument(item: StoredItem): IndexedDocument {
  return {
    id: item.id,
    title: item.title,
    text: item.text,
    image_lsh: item.tokens.IMAGE?.join(' ') ?? null,
    text_lsh: item.tokens.TEXT?.join(' ') ?? null,
  };
}

function createIndex(): MiniSearch<IndexedDocument> {
  return new MiniSearch<IndexedDocument>({
    fields: INDEXED_FIELDS,
    storeFields: [],
    tokenize: (text, field) => (isLshField(field) ? splitTokens(text) : analyseWords(text)),
    processTerm: (term, field) => (isLshField(field) ? term : term.toLowerCase()),
  });
}

/** The query terms of one `more_like_this` clause, chosen the way Lucene's MoreLikeThis does. */
interface SelectedTerms {
  terms: string[];
}

/** The persisted file: a header line, then one item per line (JSON Lines). */
interface FileHeader {
  format: number;
  items: number;
  models: StoredModel[];
  active: Partial<Record<Modality, number>>;
}

/**
 * The in-process backend: items in a Map, indexed by one MiniSearch instance (title, text and the
 * LSH token fields), running the same query plans with the same semantics as Elasticsearch.
 */
export class EmbeddedBackend implements SearchBackend {
  readonly kind = 'embedded' as const;
  readonly models: InMemoryModelStore;

  private readonly items = new Map<string, StoredItem>();
  private readonly seqNos = new Map<string, number>();
  private readonly docFreq: Record<Modality, Map<string, number>> = {
    IMAGE: new Map(),
    TEXT: new Map(),
  };
  private readonly index = createIndex();
  private readonly file: string | undefined;
  private readonly saveDelayMs: number;
  private nextSeqNo = 0;
  private loaded: Promise<void> | null = null;
  private dirty = false;
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();
  private saveError: unknown = null;

  constructor(options: EmbeddedBackendOptions = {}) {
    this.file = options.file;
    this.saveDelayMs = options.saveDelayMs ?? DEFAULT_SAVE_DELAY_MS;
    this.models = new InMemoryModelStore(() => this.changed());
  }

  async init(): Promise<void> {
    this.loaded ??= this.load();
    await this.loaded;
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  async getItems(
    ids: readonly string[],
    options: { withVectors?: boolean } = {},
  ): Promise<(StoredItem | null)[]> {
    return ids.map((id) => {
      const item = this.items.get(id);
      return item ? copyItem(item, options.withVectors === true) : null;
    });
  }

  async putItems(items: readonly StoredItem[]): Promise<ItemWriteResult[]> {
    const results = items.map((item): ItemWriteResult => {
      if (typeof item.id !== 'string' || item.id === '') {
        return {
          id: String(item.id),
          error: { code: ErrorCode.BAD_USER_INPUT, message: 'The id is empty.' },
        };
      }
      this.store(copyItem(item, true));
      return { id: item.id };
    });
    this.changed();
    return results;
  }

  async deleteItems(ids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (const id of ids) {
      const item = this.items.get(id);
      if (!item) continue;
      this.unindex(item);
      this.items.delete(id);
      this.seqNos.delete(id);
      deleted++;
    }
    if (deleted > 0) this.changed();
    return deleted;
  }

  async generation(): Promise<Generation> {
    return { id: EMBEDDED_GENERATION, versions: this.models.activeVersions() };
  }

  /**
   * Re-hashes the modality's items in chunks (yielding between them so requests go on), then
   * applies every new token set and the new active version in one synchronous step: queries see
   * either the old generation or the new one. Items written meanwhile are hashed in that step.
   */
  async activateModel(
    modality: Modality,
    version: number,
    hash: HashBatch,
    onProgress?: (rehashed: number) => void,
  ): Promise<number> {
    const computed = new Map<string, { seqNo: number; tokens: string[] }>();
    const ids = [...this.items.keys()];
    for (let start = 0; start < ids.length; start += ACTIVATION_CHUNK) {
      const chunk = ids.slice(start, start + ACTIVATION_CHUNK).flatMap((id) => {
        const item = this.items.get(id);
        const vector = item?.vectors[modality];
        return item && vector ? [{ id, vector, seqNo: this.seqNos.get(id) ?? 0 }] : [];
      });
      const tokens = await hash(chunk.map((row) => row.vector));
      chunk.forEach((row, i) => computed.set(row.id, { seqNo: row.seqNo, tokens: tokens[i]! }));
      onProgress?.(computed.size);
      // Let queries and writes in between chunks, even when hashing answers at once.
      await new Promise((resolve) => setImmediate(resolve));
    }
    // Items written while hashing are hashed again, until a pass finds none changed.
    for (;;) {
      const stale = [...this.items.values()].flatMap((item) => {
        const seqNo = this.seqNos.get(item.id) ?? 0;
        const vector = item.vectors[modality];
        return vector && computed.get(item.id)?.seqNo !== seqNo
          ? [{ id: item.id, vector, seqNo }]
          : [];
      });
      if (stale.length === 0) break;
      const tokens = await hash(stale.map((row) => row.vector));
      stale.forEach((row, i) => computed.set(row.id, { seqNo: row.seqNo, tokens: tokens[i]! }));
    }
    // The switch: no await from here to the end.
    let rehashed = 0;
    for (const item of [...this.items.values()]) {
      const next = computed.get(item.id);
      if (!next || !item.vectors[modality]) continue;
      // Stored items are never mutated in place: a write stores a new object.
      this.store({
        ...item,
        tokens: { ...item.tokens, [modality]: next.tokens },
        modelVersions: { ...item.modelVersions, [modality]: version },
      });
      rehashed++;
    }
    this.models.activate(modality, version);
    this.changed();
    return rehashed;
  }

  async *scanVectors(
    modality: Modality,
    options: { batchSize: number },
  ): AsyncIterable<VectorRow[]> {
    const batchSize = Math.max(1, Math.floor(options.batchSize));
    // Ids are fixed when the scan starts; each item is read when its batch is built, so items
    // changed or deleted meanwhile are seen as they are now (like search_after paging).
    const ids = [...this.items.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let rows: VectorRow[] = [];
    for (const id of ids) {
      const item = this.items.get(id);
      const vector = item?.vectors[modality];
      if (!item || !vector || !item.modalities.includes(modality)) continue;
      rows.push({ id, vector: [...vector] });
      if (rows.length === batchSize) {
        yield rows;
        rows = [];
      }
    }
    if (rows.length > 0) yield rows;
  }

  async storedDimension(modality: Modality): Promise<number | null> {
    for (const item of this.items.values()) {
      const vector = item.vectors[modality];
      if (vector && item.modalities.includes(modality)) return vector.length;
    }
    return null;
  }

  async countItems(): Promise<number> {
    return this.items.size;
  }

  /**
   * Runs the plan as Elasticsearch runs its `bool` query: each clause is one MiniSearch query
   * tree over its LSH field (the selected terms OR-ed, BM25-scored by MiniSearch), kept where at
   * least `minimumShouldMatch` terms match; clause scores times their boosts add up (`should`
   * with minimum_should_match 1); the text filter and `excludeIds` only remove hits.
   */
  async executeSimilar(plan: SimilarPlan): Promise<Candidate[]> {
    if (plan.candidates < 1) return [];
    const allowed = plan.textFilter === null ? null : this.matchText(plan.textFilter);
    if (allowed?.size === 0) return [];
    const excluded = new Set(plan.excludeIds);
    const scores = new Map<string, number>();
    if (plan.clauses.length === 0) {
      // A filter-only plan: every matching item with a vector of the asked modalities.
      if (allowed === null) return [];
      for (const id of allowed) {
        const item = this.items.get(id);
        if (item && !excluded.has(id) && plan.vectorsFor.some((m) => item.vectors[m])) {
          scores.set(id, 0);
        }
      }
    }
    for (const clause of plan.clauses) {
      const { terms } = this.selectTerms(clause, plan.mlt);
      if (terms.length === 0) continue;
      const required = minimumShouldMatchCount(terms.length, plan.mlt.minimumShouldMatch);
      if (required > terms.length) continue;
      const query: Query = {
        combineWith: 'OR',
        fields: [lshField(clause.modality)],
        prefix: false,
        fuzzy: false,
        tokenize: splitTokens,
        processTerm: keepTerm,
        queries: terms,
      };
      const results = this.index.search(query, {
        ...LSH_SCORING,
        // `queryTerms` lists the distinct query terms the item holds in this clause's field.
        filter: (result) => {
          const id = result.id as string;
          return (
            result.queryTerms.length >= required &&
            !excluded.has(id) &&
            (allowed === null || allowed.has(id))
          );
        },
      });
      for (const result of results) {
        const id = result.id as string;
        // MiniSearch multiplies a hit's BM25 sum by its number of matched query terms; Lucene
        // scores a boolean OR as the plain sum, so the factor is divided out again. Otherwise
        // the product skews the sum over clauses (measured against Elasticsearch: with it, 0 of
        // 100 two-modality rankings kept ES's order; without it, all 100 did, ties aside).
        const score = result.score / Math.max(1, result.queryTerms.length);
        scores.set(id, (scores.get(id) ?? 0) + score * clause.boost);
      }
    }
    // Ties go to the item written first, as Lucene prefers the lower doc id (roughly write order).
    const writeOrder = (id: string) => this.seqNos.get(id) ?? 0;
    // Ranking exactly scores every candidate, as Elasticsearch's flat knn does; else the best.
    const ranked = [...scores]
      .sort((a, b) => b[1] - a[1] || writeOrder(a[0]) - writeOrder(b[0]))
      .slice(0, plan.rank ? undefined : plan.candidates);
    const candidates = ranked.flatMap(([id, score]) => {
      const item = this.items.get(id);
      if (!item) return [];
      const vectors: Candidate['vectors'] = {};
      for (const m of plan.vectorsFor) {
        const vector = item.vectors[m];
        // Ranking here reads the stored arrays; only vectors handed out are copies.
        if (vector) vectors[m] = plan.rank ? vector : [...vector];
      }
      return [
        {
          item: copyView(item),
          vectors,
          modelVersions: { ...item.modelVersions },
          tokenScore: score,
        },
      ];
    });
    return plan.rank ? rankExactly(candidates, plan.rank, plan.candidates) : candidates;
  }

  async refresh(): Promise<void> {
    // Writes are searchable as soon as they return.
  }

  async close(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    await this.flush();
    if (this.saveError) throw this.saveError;
  }

  /** Writes pending changes to the file now (no-op without a file or changes). */
  async flush(): Promise<void> {
    const run = this.saving.catch(() => undefined).then(() => this.saveIfDirty());
    this.saving = run;
    await run;
  }

  /** Ids of the items whose title or text hold every word of `textFilter`. */
  private matchText(textFilter: string): Set<string> {
    return new Set(this.index.search(textFilter, TEXT_FILTER_SEARCH).map((r) => r.id as string));
  }

  /**
   * Lucene MoreLikeThis term selection: terms of the `like` source with their frequency there;
   * drop those under `minTermFreq`, under `minDocFreq`, over `maxDocFreq` or in no item; keep the
   * `maxQueryTerms` best by tf × idf (ClassicSimilarity idf, ties in source order).
   */
  private selectTerms(clause: TokenClause, mlt: MoreLikeThisSettings): SelectedTerms {
    const source = clause.tokens;
    const termFreq = new Map<string, number>();
    for (const token of source) {
      if (token !== '') termFreq.set(token, (termFreq.get(token) ?? 0) + 1);
    }
    const docFreq = this.docFreq[clause.modality];
    const numDocs = this.items.size;
    const maxDocFreq = mlt.maxDocFreq ?? Number.POSITIVE_INFINITY;
    const scored: { term: string; score: number }[] = [];
    for (const [term, tf] of termFreq) {
      if (mlt.minTermFreq > 0 && tf < mlt.minTermFreq) continue;
      const df = docFreq.get(term) ?? 0;
      if (df === 0 || (mlt.minDocFreq > 0 && df < mlt.minDocFreq) || df > maxDocFreq) continue;
      scored.push({ term, score: tf * (Math.log((numDocs + 1) / (df + 1)) + 1) });
    }
    scored.sort((a, b) => b.score - a.score);
    return { terms: scored.slice(0, Math.max(0, mlt.maxQueryTerms)).map((s) => s.term) };
  }

  /** Stores (or replaces) an item that nothing else references, and indexes it. */
  private store(item: StoredItem): void {
    const previous = this.items.get(item.id);
    if (previous) this.unindex(previous);
    this.items.set(item.id, item);
    this.index.add(toIndexedDocument(item));
    this.countTokens(item, 1);
    this.seqNos.set(item.id, ++this.nextSeqNo);
  }

  private unindex(item: StoredItem): void {
    // Stored items are immutable, so the old document is rebuilt exactly and `remove` takes
    // its postings out at once. (`discard` defers that to background vacuuming, which crashed
    // while re-hashing rewrote the index under it.)
    if (this.index.has(item.id)) this.index.remove(toIndexedDocument(item));
    this.countTokens(item, -1);
  }

  /** Document frequency per LSH token, for min/max_doc_freq and term selection. */
  private countTokens(item: StoredItem, delta: 1 | -1): void {
    for (const m of MODALITIES) {
      const counts = this.docFreq[m];
      for (const token of new Set(item.tokens[m] ?? [])) {
        const next = (counts.get(token) ?? 0) + delta;
        if (next > 0) counts.set(token, next);
        else counts.delete(token);
      }
    }
  }

  // --- persistence -------------------------------------------------------------------------

  private changed(): void {
    if (!this.file) return;
    this.dirty = true;
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      // A failure is kept and reported by close(); the next write retries.
      this.flush().catch(() => undefined);
    }, this.saveDelayMs);
  }

  private async saveIfDirty(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    try {
      await this.writeFile(this.file);
      this.saveError = null;
    } catch (error) {
      this.dirty = true;
      this.saveError = error;
      throw error;
    }
  }

  /** Writes a snapshot to a temporary file next to `file`, then renames it over `file`. */
  private async writeFile(file: string): Promise<void> {
    // Stored items are replaced, never mutated, so this snapshot stays consistent while writing.
    const items = [...this.items.values()];
    const header: FileHeader = {
      format: FILE_FORMAT,
      items: items.length,
      ...this.models.snapshot(),
    };
    await mkdir(dirname(file), { recursive: true });
    const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'w');
    try {
      await handle.write(`${JSON.stringify(header)}\n`);
      let chunk = '';
      for (const item of items) {
        chunk += `${JSON.stringify(item)}\n`;
        if (chunk.length > 1 << 20) {
          await handle.write(chunk);
          chunk = '';
        }
      }
      if (chunk) await handle.write(chunk);
      await handle.sync();
      await handle.close();
      await rename(temp, file);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(temp, { force: true });
      throw error;
    }
  }

  private async load(): Promise<void> {
    if (!this.file) return;
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    let header: FileHeader | null = null;
    let count = 0;
    try {
      for await (const line of handle.readLines({ encoding: 'utf8' })) {
        if (line.trim() === '') continue;
        if (!header) {
          header = JSON.parse(line) as FileHeader;
          if (header.format !== FILE_FORMAT) {
            throw new Error(
              `${this.file} has format ${String(header.format)}; this gateway reads format ${FILE_FORMAT}.`,
            );
          }
          this.models.restore(header);
          continue;
        }
        this.store(copyItem(JSON.parse(line) as StoredItem, true));
        count++;
      }
    } finally {
      await handle.close().catch(() => undefined);
    }
    if (header && count !== header.items) {
      throw new Error(`${this.file} is truncated: ${count} of ${header.items} items read.`);
    }
  }
}

function copyView(item: StoredItem): ItemView {
  const view = toItemView(item);
  return { ...view, tags: [...view.tags], modalities: [...view.modalities] };
}

/** Models in memory: immutable versions plus one active pointer per modality. */
export class InMemoryModelStore implements ModelStore {
  private readonly models = new Map<string, StoredModel>();
  private readonly active = new Map<Modality, number>();

  constructor(private readonly onChange: () => void = () => undefined) {}

  async list(modality?: Modality): Promise<StoredModel[]> {
    return [...this.models.values()]
      .filter((m) => modality === undefined || m.modality === modality)
      .sort((a, b) =>
        a.modality < b.modality ? -1 : a.modality > b.modality ? 1 : b.version - a.version,
      )
      .map((m) => structuredClone(m));
  }

  async get(modality: Modality, version: number): Promise<StoredModel | null> {
    const model = this.models.get(modelKey(modality, version));
    return model ? structuredClone(model) : null;
  }

  async create(model: StoredModel): Promise<boolean> {
    const key = modelKey(model.modality, model.version);
    if (this.models.has(key)) return false;
    this.models.set(key, structuredClone(model));
    this.onChange();
    return true;
  }

  /** The active version per modality (the embedded backend's generation). */
  activeVersions(): Generation['versions'] {
    return Object.fromEntries(this.active);
  }

  activate(modality: Modality, version: number): void {
    this.active.set(modality, version);
    this.onChange();
  }

  /** Models and active pointers as persisted (shared references: do not mutate). */
  snapshot(): Pick<FileHeader, 'models' | 'active'> {
    return { models: [...this.models.values()], active: Object.fromEntries(this.active) };
  }

  restore(state: Pick<FileHeader, 'models' | 'active'>): void {
    this.models.clear();
    this.active.clear();
    for (const model of state.models ?? [])
      this.models.set(modelKey(model.modality, model.version), model);
    for (const m of MODALITIES) {
      const version = state.active?.[m];
      if (version !== undefined) this.active.set(m, version);
    }
  }
}

function modelKey(modality: Modality, version: number): string {
  return `${modality}:${version}`;
}
