import { ErrorCode, LshqlError } from '../domain/errors.js';
import type { Modality } from '../domain/modalities.js';

/** Largest per-modality weight: they are relative, so this leaves room for any real ratio. */
export const MAX_WEIGHT = 1_000_000;

/** The weight of `modality` (1 when not given), checked. */
export function weightOf(
  weights: Partial<Record<Modality, number>> | null | undefined,
  modality: Modality,
): number {
  const weight = weights?.[modality] ?? 1;
  // Bounded: weights become Elasticsearch boosts (32-bit floats; 1e308 overflowed there).
  if (!Number.isFinite(weight) || weight < 0 || weight > MAX_WEIGHT) {
    throw new LshqlError(
      ErrorCode.BAD_USER_INPUT,
      `Weights must be between 0 and ${MAX_WEIGHT.toLocaleString('en-US')}.`,
    );
  }
  return weight;
}
