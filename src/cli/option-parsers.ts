import { InvalidArgumentError } from 'commander';
import { findModality, MODALITIES, type Modality } from '../domain/modalities.js';

/** A modality name in any case (`image` → IMAGE). */
export function parseModality(value: string): Modality {
  const modality = findModality(value);
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
