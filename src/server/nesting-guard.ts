import type { FastifyInstance } from 'fastify';

/**
 * Deepest `{`/`(`/`[` nesting a document may have before it is parsed. graphql-js parses
 * recursively, so thousands of nested selections can exhaust the stack (an internal error
 * instead of a parse error); no operation of this schema needs more than a few dozen levels
 * (Armor's maxDepth rejects selections deeper than 12 after parsing anyway).
 */
export const MAX_NESTING = 200;

/** The deepest bracket nesting of a GraphQL document, brackets inside strings and comments aside. */
export function nestingDepth(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '"') {
      const block = source.startsWith('"""', i);
      i += block ? 3 : 1;
      while (i < source.length) {
        if (source[i] === '\\') i += 2;
        else if (block ? source.startsWith('"""', i) : source[i] === '"') break;
        else i++;
      }
      if (block) i += 2;
    } else if (c === '{' || c === '(' || c === '[') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ')' || c === ']') {
      depth--;
    }
  }
  return deepest;
}

/**
 * Refuses GraphQL requests (POST body or GET query string) whose document is nested deeper than
 * MAX_NESTING with a 400 and GRAPHQL_PARSE_FAILED, as the parser's own syntax errors come out.
 */
export function guardNesting(app: FastifyInstance, path: string): void {
  app.addHook('preHandler', async (request, reply) => {
    if (request.routeOptions.url !== path) return;
    const fromBody = (request.body as { query?: unknown } | null | undefined)?.query;
    const fromUrl = (request.query as { query?: unknown } | null | undefined)?.query;
    const source = typeof fromBody === 'string' ? fromBody : fromUrl;
    if (typeof source !== 'string' || nestingDepth(source) <= MAX_NESTING) return;
    return reply.code(400).send({
      errors: [
        {
          message: `Syntax Error: the document is nested more than ${MAX_NESTING} levels deep.`,
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        },
      ],
    });
  });
}
