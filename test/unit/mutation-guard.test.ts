import { buildSchema, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LshqlError } from '../../src/domain/errors.js';
import { guardMutations } from '../../src/graphql/mutation-guard.js';
import type { GraphqlContext } from '../../src/graphql/context.js';

// A schema with a mutation that has no resolver of its own: the guard must cover it too.
const sdl = `
  type Query { ping: String }
  type Mutation { added: String, resolved: String }
`;

function run(authorized: boolean, source: string) {
  const schema = guardMutations(buildSchema(sdl));
  const calls: string[] = [];
  const rootValue = {
    ping: () => 'pong',
    added: () => {
      calls.push('added');
      return 'ran';
    },
    resolved: () => {
      calls.push('resolved');
      return 'ran';
    },
  };
  const contextValue = { authorized } as GraphqlContext;
  return graphql({ schema, source, rootValue, contextValue }).then((result) => ({ result, calls }));
}

describe('guardMutations', () => {
  it('refuses every mutation field without the key, before its resolver runs', async () => {
    const { result, calls } = await run(false, 'mutation { added resolved }');
    expect(calls).toEqual([]);
    expect(result.errors).toHaveLength(2);
    for (const error of result.errors ?? []) {
      expect(error.originalError).toBeInstanceOf(LshqlError);
      expect((error.originalError as LshqlError).code).toBe(ErrorCode.UNAUTHENTICATED);
      expect(error.message).toMatch(/API key/);
    }
  });

  it('runs mutations with the key', async () => {
    const { result, calls } = await run(true, 'mutation { added resolved }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ added: 'ran', resolved: 'ran' });
    expect(calls).toEqual(['added', 'resolved']);
  });

  it('leaves queries open', async () => {
    const { result } = await run(false, '{ ping }');
    expect(result.data).toEqual({ ping: 'pong' });
  });
});
