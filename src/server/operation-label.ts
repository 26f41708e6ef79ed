/** The label of operations without a name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** The label of every named operation outside the allowlist. */
export const OTHER_OPERATION = 'other';

/**
 * Maps a client's operation name to a metrics label from a bounded set: the allowlisted names
 * (LSHQL_METRICS_OPERATIONS), `anonymous`, or `other`. Client-chosen names never become labels,
 * so /metrics cannot grow by one series per name a client invents.
 */
export function operationLabeler(
  allowlist: readonly string[],
): (operationName: string | null | undefined) => string {
  const known = new Set(allowlist);
  return (operationName) => {
    if (operationName === null || operationName === undefined || operationName === '') {
      return ANONYMOUS_OPERATION;
    }
    return known.has(operationName) ? operationName : OTHER_OPERATION;
  };
}
