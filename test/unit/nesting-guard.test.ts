import { describe, expect, it } from 'vitest';
import { MAX_NESTING, nestingDepth } from '../../src/server/nesting-guard.js';

describe('nestingDepth', () => {
  it('counts the deepest bracket nesting of a document', () => {
    expect(nestingDepth('{ a }')).toBe(1);
    expect(nestingDepth('query($v: [Float!]) { similar(id: "x") { hits { score } } }')).toBe(3);
    expect(nestingDepth(`{ ${'a { '.repeat(6000)}b${' }'.repeat(6000)} }`)).toBe(6001);
  });

  it('ignores brackets in strings, block strings and comments', () => {
    expect(nestingDepth('{ a(t: "{{{[[[(((") }')).toBe(2);
    expect(nestingDepth('{ a(t: "\\"{{{") }')).toBe(2);
    expect(nestingDepth('{ a(t: """ {{{ \\""" {{ """) }')).toBe(2);
    expect(nestingDepth('# {{{{{{\n{ a }')).toBe(1);
  });

  it('leaves room far above any real operation', () => {
    expect(MAX_NESTING).toBeGreaterThan(100);
  });
});
