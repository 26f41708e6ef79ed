import { describe, it, expect } from 'vitest';
import { LshHasher } from '../../../src/lsh/hasher.js';
import { formatToken, parseToken } from '../../../src/lsh/tokens.js';
import { trainLshModel } from '../../../src/lsh/train.js';
import { randomVectors, row } from './helpers.js';

describe('formatToken / parseToken', () => {
  it('writes "<subspace>-<cluster>"', () => {
    expect(formatToken(0, 0)).toBe('0-0');
    expect(formatToken(3, 14)).toBe('3-14');
    expect(formatToken(511, 65535)).toBe('511-65535');
  });

  it('round-trips every cell through format and parse', () => {
    const values = [0, 1, 2, 9, 10, 99, 100, 255, 256, 1023, 65535, 65536, 2 ** 31];
    for (const subspace of values) {
      for (const cluster of values) {
        const token = formatToken(subspace, cluster);
        expect(parseToken(token)).toEqual({ subspace, cluster });
        expect(formatToken(parseToken(token)!.subspace, parseToken(token)!.cluster)).toBe(token);
      }
    }
  });

  it('parses only strings formatToken could write', () => {
    for (const bad of [
      '',
      '3',
      '3-',
      '-3',
      '3--1',
      '-3-1',
      '3-14-1',
      '03-14',
      '3-014',
      '3-1.5',
      '1e3-2',
      '0x3-2',
      ' 3-14',
      '3-14 ',
      '3 14',
      '3_14',
      'a-b',
      '٣-١',
      `${'9'.repeat(17)}-1`,
    ]) {
      expect(parseToken(bad), bad).toBeNull();
    }
  });

  it('parses the tokens a hasher writes back to their subspace and code', () => {
    const dim = 24;
    const vectors = randomVectors(200, dim, 11);
    const model = trainLshModel(vectors, 200, {
      dim,
      subspaces: 5,
      clusters: 11,
      metric: 'cosine',
      rotate: true,
      seed: 2,
    });
    const hasher = new LshHasher(model);
    const codes = new Int32Array(200 * 5);
    hasher.hashBatchInto(vectors, 200, codes);
    for (let i = 0; i < 200; i++) {
      const tokens = hasher.codesToTokens(codes, i);
      expect(tokens.map(parseToken)).toEqual(
        Array.from({ length: 5 }, (_, g) => ({ subspace: g, cluster: codes[i * 5 + g] })),
      );
    }
    for (const token of hasher.probeTokens(row(vectors, 0, dim), 4)) {
      const cell = parseToken(token);
      expect(cell).not.toBeNull();
      expect(cell!.subspace).toBeLessThan(5);
      expect(cell!.cluster).toBeLessThan(11);
    }
  });
});
