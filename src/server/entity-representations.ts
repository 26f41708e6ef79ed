import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { ErrorCode, LshqlError } from '../domain/errors.js';

/** Key fields of each entity type, as its `@key` names them; each must be an ID (string). */
export type EntityKeys = Readonly<Record<string, readonly string[]>>;

function invalid(index: number, problem: string): never {
  throw new LshqlError(
    ErrorCode.BAD_USER_INPUT,
    `Representation ${index} of _entities ${problem}.`,
  );
}

/**
 * Checks what federation's `_entities(representations: [_Any!]!)` receives before it reaches a
 * reference resolver. `_Any` accepts any JSON, so without this an unknown `__typename`, a
 * missing key or an object as an id became INTERNAL_SERVER_ERROR (or reached Elasticsearch as a
 * malformed `mget`). Integer ids are accepted as strings, as `ID` arguments are.
 */
export function checkEntityRepresentations(representations: unknown, keys: EntityKeys): void {
  if (!Array.isArray(representations)) return;
  representations.forEach((representation: unknown, i) => {
    if (typeof representation !== 'object' || representation === null) {
      invalid(i, 'is not an object');
    }
    const fields = representation as Record<string, unknown>;
    const typename = fields.__typename;
    const keyFields = typeof typename === 'string' ? keys[typename] : undefined;
    if (!Object.hasOwn(keys, String(typename)) || !keyFields) {
      invalid(i, `needs "__typename" naming an entity type: ${Object.keys(keys).join(', ')}`);
    }
    for (const key of keyFields) {
      const value = fields[key];
      if (typeof value === 'number' && Number.isSafeInteger(value)) fields[key] = String(value);
      else if (typeof value !== 'string' || value === '') {
        invalid(i, `needs "${key}" as a non-empty string`);
      }
    }
  });
}

/** Wraps the schema's `_entities` resolver with `checkEntityRepresentations` (in place). */
export function guardEntityRepresentations(schema: GraphQLSchema, keys: EntityKeys): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  if (!field) return schema;
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args: Record<string, unknown>, context, info) => {
    checkEntityRepresentations(args.representations, keys);
    return resolve(source, args, context, info);
  };
  return schema;
}
