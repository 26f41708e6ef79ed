import type { estypes } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredItem } from '../../src/domain/item.js';
import { lshField, type Modality } from '../../src/domain/modalities.js';
import { createRandom } from '../../src/lsh/seeded-random.js';
import { compileSimilarQuery } from '../../src/search/elasticsearch/query-compiler.js';
import { ElasticsearchBackend } from '../../src/search/elasticsearch/elasticsearch-backend.js';
import { analyseWords, normaliseWord } from '../../src/search/embedded/analyser.js';
import { EmbeddedBackend } from '../../src/search/embedded/embedded-backend.js';
import { ItemMap, copyItem } from '../../src/search/embedded/item-map.js';
import {
  bm25TermWeight,
  minimumShouldMatchCount,
  selectTerms,
} from '../../src/search/embedded/more-like-this.js';
import type {
  MoreLikeThisSettings,
  SimilarPlan,
  TokenClause,
} from '../../src/search/query-plan.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

/*
 * The embedded backend imitates Lucene: the `standard` analyser, `more_like_this` term selection,
 * `minimum_should_match` and BM25 scoring of keyword terms. Each is checked here against a real
 * Elasticsearch on the same inputs (`_analyze`, `_validate/query?rewrite`, `_search` scores).
 */

/** Texts the embedded analyser must split and lower-case as Elasticsearch's `standard` does. */
const ANALYSER_CORPUS = [
  'The quick brown fox jumps over the lazy dog.',
  'Hello, World! HELLO world... hello-world hello_world',
  "don't O'Neil's rock'n'roll l'été",
  '3.14 1,000,000 v2.0 2024-01-01 10:30 1e10 0x1F -42 +7 50%',
  'user@example.com https://example.com/a/b?c=d#e www.example.org',
  'C++ C# .NET node.js foo.bar foo..bar a.b.c',
  'title:foo AND (bar OR "baz") NOT qux* ~fuzzy^2 [1 TO 5] {a TO b} /regex/ \\escaped',
  '東京タワー は 高い です',
  'ひらがな カタカナ 漢字 mixed日本語text混合',
  '서울특별시 한국어 텍스트',
  'Привет, мир! ЁЖИК ёжик',
  'Ελληνικά κείμενα ΑΘΗΝΑ',
  'straße STRASSE Maße ß ẞ',
  'العربية نص عربي',
  'עברית טקסט',
  'हिन्दी पाठ देवनागरी',
  'café cafe\u0301 naïve résumé tiếng Việt có dấu',
  'tab\tseparated\nnew line\r\nwindows',
  'zero\u200bwidth\u200djoiner\u00a0nbsp',
  'under_score __dunder__ snake_case_name',
  "CamelCaseWord iPhone eBay McDonald's",
  'a-b-c a/b/c a\\b a|b a&b a+b a=b a<b>c',
  'ＦＵＬＬＷＩＤＴＨ ａｂｃ １２３',
  'Ⅻ ½ ² ³ ⁴ ① ⑩ ⒶⒷⒸ 𝐀𝐁𝐂',
  'ﬁle ﬂow ligatures Ǆ ǅ ǆ ǈ',
  '$100 €50 £20 ¥1000 ₹500 #hashtag @mention',
  'wi-fi e-mail co-operate 1.2.3.4 192.168.0.1 ::1 abc123 123abc a1b2c3',
  '     ',
  '!!! ??? ...',
  `${'a'.repeat(300)} ${'b'.repeat(600)}`,
  // Scripts the segmenter splits by dictionary, emoji, and lower-casing without context rules.
  'ภาษาไทยเป็นภาษาที่ไม่มีช่องว่าง',
  'ພາສາລາວ ភាសាខ្មែរ',
  'emoji 😀 👍🏽 🇫🇷 👨‍👩‍👧 text',
  'ΣΊΣΥΦΟΣ ΟΔΟΣ',
  'İstanbul Iİıi',
];

/** Runs of scores equal up to Lucene's 32-bit float rounding. */
function floatRuns<T extends { score: number }>(hits: readonly T[]): T[][] {
  const runs: T[][] = [];
  for (const hit of hits) {
    const last = runs.at(-1);
    const previous = last?.at(-1);
    if (last && previous && Math.abs(previous.score - hit.score) <= 1e-5 * previous.score) {
      last.push(hit);
    } else {
      runs.push([hit]);
    }
  }
  return runs;
}

const embeddedAnalysis = (text: string) => analyseWords(text).map(normaliseWord);

/** Keyword-token items shaped like LSH output: one token per subspace, skewed cluster use. */
function tokenItems(count: number): StoredItem[] {
  const random = createRandom(5);
  const tokens = (subspaces: number, clusters: number) =>
    Array.from({ length: subspaces }, (_, g) => `${g}-${Math.floor(random() ** 2 * clusters)}`);
  return Array.from({ length: count }, (_, i): StoredItem => {
    const hasText = i % 7 !== 3;
    return {
      id: `t${String(i).padStart(4, '0')}`,
      title: i % 2 === 0 ? 'even item' : 'odd item',
      text: `number ${i % 5}`,
      tags: [],
      modalities: hasText ? ['IMAGE', 'TEXT'] : ['IMAGE'],
      vectors: hasText
        ? { IMAGE: [random() + 0.1, random(), random()], TEXT: [random(), random() + 0.1] }
        : { IMAGE: [random() + 0.1, random(), random()] },
      tokens: hasText ? { IMAGE: tokens(8, 16), TEXT: tokens(6, 10) } : { IMAGE: tokens(8, 16) },
      modelVersions: hasText ? { IMAGE: 1, TEXT: 1 } : { IMAGE: 1 },
    };
  });
}

const MLT: MoreLikeThisSettings = {
  minTermFreq: 1,
  minDocFreq: 1,
  maxQueryTerms: 64,
  minimumShouldMatch: '1',
};

function plan(clauses: TokenClause[], extra: Partial<SimilarPlan> = {}): SimilarPlan {
  return {
    clauses,
    textFilter: null,
    excludeIds: [],
    candidates: 1000,
    mlt: MLT,
    vectorsFor: [],
    ...extra,
  };
}

describe('the embedded backend imitates Lucene as Elasticsearch runs it', () => {
  let es: Gateway;
  let client: ElasticsearchBackend['client'];
  let alias: string;
  const embedded = new EmbeddedBackend();
  const items = tokenItems(400);
  const stats = new ItemMap();

  beforeAll(async () => {
    es = await startGateway({ backend: 'elasticsearch' });
    const backend = es.backend as ElasticsearchBackend;
    client = backend.client;
    alias = backend.itemsAlias;
    expect((await es.backend.putItems(items)).filter((r) => r.error)).toEqual([]);
    await es.backend.refresh();
    await embedded.init();
    expect((await embedded.putItems(items)).filter((r) => r.error)).toEqual([]);
    for (const item of items) stats.set(copyItem(item, false));
  }, 120_000);
  afterAll(async () => {
    await es?.close();
    await embedded.close();
  });

  async function esAnalysis(text: string): Promise<string[]> {
    const response = await client.indices.analyze({ analyzer: 'standard', text });
    return (response.tokens ?? []).map((t) => t.token);
  }

  it('analyses text like the standard analyser (`_analyze`)', async () => {
    for (const text of ANALYSER_CORPUS) {
      expect(embeddedAnalysis(text), JSON.stringify(text)).toEqual(await esAnalysis(text));
    }
  });

  it('matches the text filter on the same items as `multi_match` (cross_fields, and)', async () => {
    for (const textFilter of [
      'even',
      'ODD item',
      'number 3',
      'even number 4',
      'item, 2!',
      'nothing',
    ]) {
      const filterOnly = plan([], { textFilter, vectorsFor: ['IMAGE'] });
      const [a, b] = [
        await es.backend.executeSimilar(filterOnly),
        await embedded.executeSimilar(filterOnly),
      ];
      const ids = (cs: { item: { id: string } }[]) => cs.map((c) => c.item.id).sort();
      expect(ids(b), textFilter).toEqual(ids(a));
    }
  });

  /** The terms and minimum_should_match Elasticsearch rewrites a plan's first clause into. */
  async function rewritten(p: SimilarPlan, modality: Modality) {
    const body = compileSimilarQuery(p, alias);
    const clause = (body.query.bool.should as estypes.QueryDslQueryContainer[])[0]!;
    const response = await client.indices.validateQuery({
      index: alias,
      rewrite: true,
      query: clause,
    });
    expect(response.valid).toBe(true);
    const explanation = response.explanations?.[0]?.explanation ?? '';
    const field = lshField(modality);
    const terms = [...explanation.matchAll(new RegExp(`${field}:([^\\s)]+)`, 'g'))].map(
      (m) => m[1]!,
    );
    // `(a b c)~2`; when every term is required Lucene rewrites it to `+a +b +c`.
    const atLeast = /\)~(\d+)/.exec(explanation);
    const must = [...explanation.matchAll(new RegExp(`\\+${field}:`, 'g'))].length;
    return { terms, required: atLeast ? Number(atLeast[1]) : must, explanation };
  }

  /** Query token lists: an item's own, one with repeats and unknown tokens, a long mixed one. */
  function queryTokens(modality: Modality): string[][] {
    const of = (i: number) => items[i]!.tokens[modality] ?? items[i + 1]!.tokens[modality]!;
    return [
      of(0),
      of(17),
      [...of(40).slice(0, 4), ...of(40).slice(0, 2), 'no-such', '9-99'],
      [...of(60), ...of(61), ...of(62)],
    ];
  }

  const SETTINGS: Partial<MoreLikeThisSettings>[] = [
    {},
    { maxQueryTerms: 3 },
    { maxQueryTerms: 5, minimumShouldMatch: '2' },
    { minimumShouldMatch: '50%' },
    { minimumShouldMatch: '-2' },
    { minimumShouldMatch: '-25%' },
    { minimumShouldMatch: '100%' },
    { minimumShouldMatch: '33%' },
    { minDocFreq: 20 },
    { maxDocFreq: 60 },
    { minTermFreq: 2 },
    { minimumShouldMatch: '30' },
  ];

  const cases = (['IMAGE', 'TEXT'] as const).flatMap((modality) =>
    queryTokens(modality).flatMap((tokens) =>
      SETTINGS.map((settings) => ({ modality, tokens, mlt: { ...MLT, ...settings } })),
    ),
  );

  it('selects the same terms and requires as many of them (`_validate/query?rewrite`)', async () => {
    let cut = 0;
    for (const { modality, tokens, mlt } of cases) {
      const label = `${modality} ${JSON.stringify(mlt)} ${tokens.join(',')}`;
      const p = plan([{ modality, tokens, boost: 1 }], { mlt });
      const fromEs = await rewritten(p, modality);
      const fieldStats = stats.tokenStats(modality);
      const terms = selectTerms(tokens, fieldStats, mlt);
      if (terms.length === 0) {
        expect(fromEs.terms, `${label}: ${fromEs.explanation}`).toEqual([]);
        continue;
      }
      // Lucene breaks ties in tf·idf by hash order: where the cut falls among terms of equal
      // term and document frequency, either may be kept. Compare the terms that no tie decides.
      const tf = (t: string) => tokens.filter((x) => x === t).length;
      const key = (t: string) => `${tf(t)}/${fieldStats.docFreq(t)}`;
      const last = terms.at(-1)!;
      const undecided = new Set(
        [...new Set(tokens)].filter(
          (t) => key(t) === key(last) && terms.length === mlt.maxQueryTerms,
        ),
      );
      if (undecided.size > 1) cut++;
      const required = minimumShouldMatchCount(terms.length, mlt.minimumShouldMatch);
      if (required > terms.length) {
        // More required than selected: both match nothing (Lucene rewrites to no-match).
        expect(fromEs.terms, `${label}: ${fromEs.explanation}`).toEqual([]);
        continue;
      }
      expect(fromEs.terms.length, label).toBe(terms.length);
      expect(
        fromEs.terms.filter((t) => !undecided.has(t)).sort(),
        `${label}: ${fromEs.explanation}`,
      ).toEqual(terms.filter((t) => !undecided.has(t)).sort());
      expect(
        fromEs.terms.every((t) => terms.includes(t) || undecided.has(t)),
        label,
      ).toBe(true);
      expect(required, `${label}: ${fromEs.explanation}`).toBe(fromEs.required);
    }
    // The cut by maxQueryTerms fell inside a tie at most in some cases, not all.
    expect(cut).toBeLessThan(cases.length / 4);
  });

  /** Hits of an unranked plan on Elasticsearch, with their Lucene scores. */
  async function esHits(p: SimilarPlan) {
    const body = compileSimilarQuery(p, alias);
    const response = await client.search({ index: alias, ...body, _source: false });
    return response.hits.hits.map((h) => ({ id: h._id!, score: h._score ?? Number.NaN }));
  }

  /** What the embedded pieces score each item: Σ boost · BM25 weight of its selected terms. */
  function embeddedScores(p: SimilarPlan): Map<string, number> {
    const scores = new Map<string, number>();
    for (const clause of p.clauses) {
      const fieldStats = stats.tokenStats(clause.modality);
      const terms = selectTerms(clause.tokens, fieldStats, p.mlt);
      const required = minimumShouldMatchCount(terms.length, p.mlt.minimumShouldMatch);
      if (terms.length === 0 || required > terms.length) continue;
      for (const item of items) {
        const held = terms.filter((t) => item.tokens[clause.modality]?.includes(t));
        if (held.length === 0 || held.length < required) continue;
        const score = held.reduce(
          (s, t) => s + bm25TermWeight(fieldStats.docFreq(t), fieldStats),
          0,
        );
        scores.set(item.id, (scores.get(item.id) ?? 0) + score * clause.boost);
      }
    }
    return scores;
  }

  const SCORING_CASES: { label: string; plan: SimilarPlan }[] = [
    ...cases
      .filter((_, i) => i % 5 === 0)
      .map(({ modality, tokens, mlt }) => ({
        label: `${modality} ${JSON.stringify(mlt)}`,
        plan: plan([{ modality, tokens, boost: 1 }], { mlt }),
      })),
    {
      label: 'two clauses, boosted',
      plan: plan([
        { modality: 'IMAGE', tokens: items[5]!.tokens.IMAGE!, boost: 2 },
        { modality: 'TEXT', tokens: items[5]!.tokens.TEXT!, boost: 0.5 },
      ]),
    },
    {
      label: 'two clauses, 50%, text filter, excluded ids',
      plan: plan(
        [
          { modality: 'IMAGE', tokens: items[9]!.tokens.IMAGE!, boost: 1 },
          { modality: 'TEXT', tokens: items[9]!.tokens.TEXT!, boost: 3 },
        ],
        {
          mlt: { ...MLT, minimumShouldMatch: '50%' },
          textFilter: 'odd',
          excludeIds: [items[9]!.id, items[11]!.id],
        },
      ),
    },
    {
      label: 'cut to 15 candidates',
      plan: plan([{ modality: 'IMAGE', tokens: items[3]!.tokens.IMAGE!, boost: 1 }], {
        candidates: 15,
      }),
    },
  ];

  it('scores hits like BM25 on keyword terms and returns them in the same order', async () => {
    for (const { label, plan: p } of SCORING_CASES) {
      const fromEs = await esHits(p);
      const expected = embeddedScores(p);
      const fromEmbedded = (await embedded.executeSimilar(p)).map((c) => c.item.id);
      expect(fromEmbedded.length, label).toBe(fromEs.length);
      // Lucene scores in 32-bit floats: equal up to float32 rounding.
      for (const hit of fromEs) {
        const score = expected.get(hit.id);
        expect(score, `${label}: ${hit.id}`).toBeDefined();
        expect(Math.abs(hit.score / score! - 1), `${label}: ${hit.id}`).toBeLessThan(1e-5);
      }
      // Same order; scores equal up to float32 rounding form a run compared as a set (equal
      // Lucene scores go to the lower doc id, the item written first: mostly the same order).
      let start = 0;
      for (const run of floatRuns(fromEs)) {
        const ids = run.map((h) => h.id).sort();
        const other = fromEmbedded.slice(start, start + run.length).sort();
        expect(other, `${label}: hits ${start}..${start + run.length - 1}`).toEqual(ids);
        start += run.length;
      }
      // Without filters, Elasticsearch finds exactly the items the embedded pieces score.
      if (p.candidates >= items.length && p.textFilter === null && p.excludeIds.length === 0) {
        expect(fromEs.map((h) => h.id).sort(), label).toEqual([...expected.keys()].sort());
      }
    }
  });
});
