import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Rejects operations whose type the schema does not have (this API has no `subscription`) at
 * validation: an HTTP 400 with GRAPHQL_VALIDATION_FAILED. graphql 16 only notices it when
 * executing, with an error without a code, which clients saw as INTERNAL_SERVER_ERROR.
 * (graphql 17 ships the same check as `KnownOperationTypesRule`.)
 */
export const knownOperationTypesRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (!context.getSchema().getRootType(node.operation)) {
      context.reportError(
        new GraphQLError(`This API has no ${node.operation} operations.`, { nodes: node }),
      );
    }
  },
});
