/**
 * Elasticsearch's `standard` analyser for the title and the text, as far as the text filter
 * needs it: the tokenizer (`analyseWords`) and the lower-case filter (`normaliseWord`).
 */

const WORD_SEGMENTER = new Intl.Segmenter('und', { granularity: 'word' });
// Lucene's standard tokenizer emits each Han ideograph and Hiragana character as its own token.
const SINGLE_CHARACTER_SCRIPTS = /[\p{sc=Han}\p{sc=Hiragana}]|[^\p{sc=Han}\p{sc=Hiragana}]+/gu;
const MAX_TOKEN_LENGTH = 255;
// Lucene's tokenizer keeps a run of Southeast Asian script as one token (it has no dictionary);
// the segmenter splits Thai, Lao, Khmer and Myanmar by dictionary, so such pieces are joined again.
const DICTIONARY_SCRIPT = /^[\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}]+$/u;
// Emoji (with modifiers, ZWJ sequences and flags) are tokens for Lucene, not word-like here.
const EMOJI = /^[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;

/** Word-like segments, adjacent dictionary-script pieces joined as Lucene leaves them. */
function luceneSegments(text: string): string[] {
  const out: string[] = [];
  let joinable = false;
  for (const { segment, isWordLike } of WORD_SEGMENTER.segment(text)) {
    if (!isWordLike && !EMOJI.test(segment)) {
      joinable = false;
      continue;
    }
    const dictionary = DICTIONARY_SCRIPT.test(segment);
    if (dictionary && joinable) out[out.length - 1] += segment;
    else out.push(segment);
    joinable = dictionary;
  }
  return out;
}

/**
 * The words of `text` as Elasticsearch's `standard` tokenizer finds them: Unicode (UAX #29) word
 * boundaries, punctuation and symbols dropped, tokens longer than 255 characters split. Query
 * syntax (`title:foo AND (bar OR "baz")`, `*`) is only words and punctuation here.
 */
export function analyseWords(text: string): string[] {
  const words: string[] = [];
  for (const segment of luceneSegments(text)) {
    for (const part of segment.match(SINGLE_CHARACTER_SCRIPTS) ?? []) {
      for (let i = 0; i < part.length; i += MAX_TOKEN_LENGTH) {
        words.push(part.slice(i, i + MAX_TOKEN_LENGTH));
      }
    }
  }
  return words;
}

/**
 * The `lowercase` token filter of the standard analyser: Java's `Character.toLowerCase`, code point
 * by code point, so without Unicode's context rules (a final `Σ` is `σ`, not `ς`) and without
 * special casing (`İ` is `i`, not `i̇`).
 */
export function normaliseWord(word: string): string {
  let out = '';
  for (const char of word) {
    const lower = char.toLowerCase();
    // Only U+0130 lower-cases to more than one code point; its simple mapping is `i`.
    out += [...lower].length === 1 ? lower : char === '\u0130' ? 'i' : char;
  }
  return out;
}
