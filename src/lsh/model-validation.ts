import {
  DEFAULT_MAX_ITERATIONS,
  MAX_CLUSTERS,
  type LshModel,
  type LshModelParams,
  type Metric,
} from './lsh-model.js';
import { nextPowerOfTwo } from './rotation.js';

const METRICS: readonly Metric[] = ['cosine', 'euclidean'];
/** Upper bound on the rounds of a rotation (a trained model has HADAMARD_ROUNDS). */
export const MAX_ROTATION_ROUNDS = 16;

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
}

/**
 * Checks the scalar parameters of a model (shared by training and deserialisation) and returns
 * them with defaults filled in. Throws a RangeError naming the parameter and the allowed range.
 */
export function validateLshParams(params: LshModelParams): Required<LshModelParams> {
  const { dim, subspaces, clusters, metric, rotate, seed } = params;
  const maxIterations = params.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  if (!isInt(dim) || dim < 1) {
    throw new RangeError(`dim must be a positive integer, got ${String(dim)}`);
  }
  if (!isInt(subspaces) || subspaces < 1 || subspaces > dim) {
    throw new RangeError(
      `subspaces must be an integer between 1 and dim (${dim}), got ${String(subspaces)}`,
    );
  }
  if (!isInt(clusters) || clusters < 2 || clusters > MAX_CLUSTERS) {
    throw new RangeError(
      `clusters must be an integer between 2 and ${MAX_CLUSTERS}, got ${String(clusters)}`,
    );
  }
  if (!METRICS.includes(metric)) {
    throw new RangeError(`metric must be one of ${METRICS.join(', ')}, got ${String(metric)}`);
  }
  if (typeof rotate !== 'boolean') {
    throw new RangeError(`rotate must be a boolean, got ${String(rotate)}`);
  }
  if (!isInt(seed) || !Number.isSafeInteger(seed)) {
    throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
  }
  if (!isInt(maxIterations) || maxIterations < 1) {
    throw new RangeError(`maxIterations must be a positive integer, got ${String(maxIterations)}`);
  }
  return { dim, subspaces, clusters, metric, rotate, seed, maxIterations };
}

/**
 * Checks that the parts of a model fit together, so that hashing with it is well defined: the
 * scalar parameters, rotatedDim, the subspace bounds, the rotation and the centroid arrays (sizes
 * and finite values). The one check of a model, whether it was read from JSON
 * (deserializeModel) or handed to an LshHasher. Throws a RangeError naming the first problem.
 */
export function validateModel(model: LshModel): void {
  const { dim, subspaces, clusters, rotate } = validateLshParams(model);
  const { rotatedDim, trainedOn, bounds, rotation, centroids } = model;
  const expectedDim = rotate ? nextPowerOfTwo(dim) : dim;
  if (rotatedDim !== expectedDim) {
    throw new RangeError(
      `rotatedDim must be ${expectedDim} for dim ${dim} with rotate=${rotate}, ` +
        `got ${JSON.stringify(rotatedDim)}`,
    );
  }
  if (!isInt(trainedOn) || trainedOn < clusters) {
    throw new RangeError(
      `trainedOn must be an integer ≥ clusters (${clusters}), got ${JSON.stringify(trainedOn)}`,
    );
  }

  if (!(bounds instanceof Int32Array) || bounds.length !== subspaces + 1) {
    throw new RangeError(`bounds must be an array of ${subspaces + 1} integers`);
  }
  if (bounds[0] !== 0 || bounds[subspaces] !== rotatedDim) {
    throw new RangeError(`bounds must start at 0 and end at rotatedDim (${rotatedDim})`);
  }
  for (let g = 0; g < subspaces; g++) {
    if (!(bounds[g + 1]! > bounds[g]!)) {
      throw new RangeError(`bounds must be strictly increasing (at index ${g})`);
    }
  }

  if (rotation === null) {
    if (rotate) {
      throw new RangeError(
        'rotation must be an object (the sign diagonals) when rotate is true, got null',
      );
    }
  } else {
    if (!rotate) throw new RangeError('rotation must be null when rotate is false');
    if (rotation.size !== rotatedDim) {
      throw new RangeError(
        `rotation.size must be rotatedDim (${rotatedDim}), got ${rotation.size}`,
      );
    }
    const { signs } = rotation;
    if (signs.length < 1 || signs.length > MAX_ROTATION_ROUNDS) {
      throw new RangeError(
        `rotation.signs must hold 1 to ${MAX_ROTATION_ROUNDS} rounds, got ${signs.length}`,
      );
    }
    signs.forEach((round, r) => {
      if (round.length !== rotatedDim || !round.every((s) => s === 1 || s === -1)) {
        throw new RangeError(`rotation.signs[${r}] must hold ${rotatedDim} signs, each 1 or -1`);
      }
    });
  }

  if (centroids.length !== subspaces) {
    throw new RangeError(
      `centroids must hold ${subspaces} arrays (one per subspace), got ${centroids.length}`,
    );
  }
  centroids.forEach((values, g) => {
    const expected = clusters * (bounds[g + 1]! - bounds[g]!);
    if (values.length !== expected) {
      throw new RangeError(
        `centroids[${g}] holds ${values.length * 4} bytes, expected ${expected} float32 values ` +
          `(${expected * 4} bytes)`,
      );
    }
    for (let i = 0; i < expected; i++) {
      if (!Number.isFinite(values[i]!)) {
        throw new RangeError(`centroids[${g}][${i}] is not a finite number`);
      }
    }
  });
}
