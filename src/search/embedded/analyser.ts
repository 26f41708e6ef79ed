/**
 * Elasticsearch's `standard` analyser for the title and the text, as far as the text filter
 * needs it: the tokenizer (`analyseWords`) and the lower-case filter (`normaliseWord`).
 */

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

/** The `lowercase` token filter of the standard analyser. */
export function normaliseWord(word: string): string {
  return word.toLowerCase();
}
