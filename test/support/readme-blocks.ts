/** A fenced code block of a Markdown file: its language, the words after it, its text. */
export interface CodeBlock {
  lang: string;
  tags: string[];
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced (```) code block of a Markdown text, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const fence = /^```([\w-]*)([^\n]*)\n([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(fence)) {
    blocks.push({
      lang: match[1] ?? '',
      tags: (match[2] ?? '').trim().split(/\s+/).filter(Boolean),
      body: match[3] ?? '',
      line: markdown.slice(0, match.index).split('\n').length,
    });
  }
  return blocks;
}

/**
 * A runnable example: a `graphql runnable` or `sh runnable` block, with the `json variables`
 * and `json response` blocks that follow it (before the next runnable block).
 */
export interface RunnableExample {
  block: CodeBlock;
  variables?: Record<string, unknown>;
  response?: unknown;
}

export function runnableExamples(markdown: string): RunnableExample[] {
  const examples: RunnableExample[] = [];
  for (const block of codeBlocks(markdown)) {
    if (block.tags.includes('runnable')) {
      examples.push({ block });
      continue;
    }
    const current = examples.at(-1);
    if (!current || block.lang !== 'json') continue;
    if (block.tags.includes('variables') && current.variables === undefined) {
      current.variables = JSON.parse(block.body) as Record<string, unknown>;
    } else if (block.tags.includes('response') && current.response === undefined) {
      current.response = JSON.parse(block.body) as unknown;
    }
  }
  return examples;
}

/**
 * Whether `actual` is what `shown` shows: equal, except that a number shown with n decimals
 * matches any number that rounds to it (READMEs show scores rounded).
 */
export function matchesShown(actual: unknown, shown: unknown): boolean {
  if (typeof shown === 'number' && typeof actual === 'number') {
    if (Number.isInteger(shown)) return actual === shown;
    const decimals = String(shown).split('.')[1]?.length ?? 0;
    return Math.abs(actual - shown) <= 0.5 * 10 ** -decimals + 1e-12;
  }
  if (Array.isArray(shown)) {
    return (
      Array.isArray(actual) &&
      actual.length === shown.length &&
      shown.every((value, i) => matchesShown(actual[i], value))
    );
  }
  if (shown !== null && typeof shown === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const a = actual as Record<string, unknown>;
    const s = shown as Record<string, unknown>;
    const keys = Object.keys(s);
    return (
      keys.length === Object.keys(a).length && keys.every((key) => matchesShown(a[key], s[key]))
    );
  }
  return actual === shown;
}
