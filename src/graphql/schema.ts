import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse, type GraphQLSchema } from 'graphql';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { guardMutations } from './mutation-guard.js';
import { resolvers } from './resolvers.js';

/** The folder holding package.json, found from this file whether it runs from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      readFileSync(join(dir, 'package.json'));
      return dir;
    } catch {
      const parent = dirname(dir);
      if (parent === dir) throw new Error('package.json not found above ' + import.meta.url);
      dir = parent;
    }
  }
}

/** The SDL in schema/*.graphql, the source of truth for the API. */
export function loadTypeDefs(): string {
  const dir = join(packageRoot(), 'schema');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/** The executable Federation 2 subgraph schema; every mutation asks for the API key. */
export function buildSchema(): GraphQLSchema {
  return guardMutations(
    buildSubgraphSchema({
      typeDefs: parse(loadTypeDefs()),
      resolvers: resolvers as GraphQLResolverMap<unknown>,
    }),
  );
}
