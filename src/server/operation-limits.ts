import { ApolloArmor } from '@escape.tech/graphql-armor';

/** Limits on the shape of operations: depth, cost, aliases, directives and tokens. */
export interface OperationLimits {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = {
  maxDepth: 12,
  maxCost: 20_000,
  maxAliases: 50,
  maxDirectives: 50,
  // Inline vectors are tokens too: leave room for a 4,096-value vector literal.
  maxTokens: 20_000,
};

/**
 * GraphQL Armor's protections for Apollo Server. Suggestions ("did you mean …") are removed in
 * production by the error formatter (`hideSuggestions`), not by Armor's mask: that one missed
 * enum values ("Did you mean the enum value …") and left "[Suggestion hidden]?" behind.
 *
 * The token limit is graphql-js's own (`parseOptions.maxTokens`), not Armor's max-tokens plugin:
 * that plugin parses a second time inside Apollo's `parsingDidStart` hook, so every syntax
 * error (not only a token flood) escaped as an unexpected error, an HTTP 500. The parser's limit
 * fails like any syntax error: HTTP 400, GRAPHQL_PARSE_FAILED.
 */
export function operationProtection(limits: OperationLimits) {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return { ...armor, parseOptions: { maxTokens: limits.maxTokens } };
}
