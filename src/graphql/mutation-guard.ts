import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { GraphqlContext } from './context.js';

export const UNAUTHENTICATED_MESSAGE =
  'Mutations need the API key: send it as "Authorization: Bearer <key>" or "x-api-key".';

/**
 * Every field of the Mutation type asks for the API key before its resolver runs. Wrapping the
 * built schema, not the resolver map, makes the rule fail closed: a mutation added to the SDL
 * later is guarded without anyone remembering to.
 */
export function guardMutations(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  if (!mutation) return schema;
  for (const field of Object.values(mutation.getFields())) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: GraphqlContext, info) => {
      if (!context.authorized)
        throw new LshqlError(ErrorCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE);
      return resolve(source, args, context, info);
    };
  }
  return schema;
}
