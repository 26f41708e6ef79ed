import { describe, expect, it } from 'vitest';
import { matchesShown, runnableExamples } from '../support/readme-blocks.js';

const FENCE = '```';

describe('README example extraction', () => {
  it('pairs each runnable block with the variables and response blocks after it', () => {
    const markdown = [
      `${FENCE}sh`,
      'npm install',
      FENCE,
      `${FENCE}graphql runnable`,
      'query A { a }',
      FENCE,
      `${FENCE}json variables`,
      '{ "id": "x" }',
      FENCE,
      `${FENCE}json response`,
      '{ "data": { "a": 1 } }',
      FENCE,
      `${FENCE}sh runnable`,
      'curl http://127.0.0.1:4000/graphql',
      FENCE,
      `${FENCE}json`,
      '{ "not": "a response" }',
      FENCE,
    ].join('\n');
    const examples = runnableExamples(markdown);
    expect(examples.map((e) => [e.block.lang, e.block.line, e.variables, e.response])).toEqual([
      ['graphql', 4, { id: 'x' }, { data: { a: 1 } }],
      ['sh', 13, undefined, undefined],
    ]);
  });

  it('matches numbers shown rounded, and nothing else that differs', () => {
    expect(matchesShown({ score: 0.90684 }, { score: 0.9068 })).toBe(true);
    expect(matchesShown({ score: 0.9074 }, { score: 0.9068 })).toBe(false);
    expect(matchesShown({ version: 2 }, { version: 1 })).toBe(false);
    expect(matchesShown({ a: 1, extra: 2 }, { a: 1 })).toBe(false);
    expect(matchesShown([1, 2], [1, 2, 3])).toBe(false);
    expect(matchesShown({ ids: ['a', 'b'] }, { ids: ['a', 'b'] })).toBe(true);
  });
});
