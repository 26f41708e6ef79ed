import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses `_service` (the subgraph's SDL for a federation router) when LSHQL_EXPOSE_SDL is off:
 * with introspection off in production, `_service { sdl }` would still hand the whole schema to
 * any client. A validation error (HTTP 400, GRAPHQL_VALIDATION_FAILED) that names the setting;
 * aliases and fragments on Query are caught too (the parent type is checked, not the text).
 */
export const hiddenServiceSdlRule: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value !== '_service') return;
    const parent = context.getParentType();
    if (!parent || parent !== context.getSchema().getQueryType()) return;
    context.reportError(
      new GraphQLError(
        '`_service` (the subgraph SDL) is not exposed by this gateway: set LSHQL_EXPOSE_SDL=true where a federation router composes from it.',
        { nodes: node },
      ),
    );
  },
});
