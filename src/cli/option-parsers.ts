import { InvalidArgumentError } from 'commander';
import { MODALITIES, type Modality } from '../search/modality.js';

/** `image`, `IMAGE`, `Image` → IMAGE. */
export function parseModality(value: string): Modality {
  const upper = value.trim().toUpperCase();
  const modality = MODALITIES.find((m) => m === upper);
  if (!modality) {
    throw new InvalidArgumentError(`expected one of ${MODALITIES.join(', ')}.`);
  }
  return modality;
}

/** A commander parser for integers in [min, max]. */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected an integer of at least ${min}.`
          : `expected an integer from ${min} to ${max}.`,
      );
    }
    return n;
  };
}
