export interface BuildStep {
  name: string;
  /** Files and folders (relative to the root) the step reads. */
  inputs: string[];
  /** The file written after the step succeeded (relative to the root). */
  stamp: string;
  command: string[];
}
export const BUILD_STEPS: BuildStep[];
export function newestMtime(path: string): number;
export function isStale(step: BuildStep, root: string): boolean;
export function buildIfStale(
  root: string,
  steps?: BuildStep[],
  run?: (command: string[], cwd: string) => number,
): string[];
