import type { LshModel, Metric } from './lsh-model.js';
import { validateLshParams, validateModel } from './model-validation.js';
import { nextPowerOfTwo, type HadamardRotation } from './rotation.js';

/** The format serializeModel writes and deserializeModel reads. */
export const MODEL_FORMAT = 2;

/**
 * JSON-safe form of an LshModel. Float32Arrays are base64 of their little-endian bytes.
 *
 * Format history: 1 held a dense dim×dim random rotation matrix (`rotation`: base64 float32);
 * 2 holds a randomized Hadamard rotation (sign diagonals) and splits `rotatedDim` coordinates.
 * Format 1 models cannot be read: their tokens would differ, so they must be retrained.
 */
export interface SerializedLshModel {
  format: 2;
  dim: number;
  /** Coordinates the subspaces split: next power of two ≥ dim when rotate, else dim. */
  rotatedDim: number;
  subspaces: number;
  clusters: number;
  metric: Metric;
  rotate: boolean;
  seed: number;
  maxIterations: number;
  trainedOn: number;
  /** subspace offsets over rotatedDim, length subspaces+1 */
  bounds: number[];
  /**
   * Randomized Hadamard rotation, null when rotate=false: one string per round, rotatedDim
   * characters `+` / `-` (the ±1 sign diagonal of the round), applied in array order.
   */
  rotation: { signs: string[] } | null;
  /** base64 float32 LE per subspace, clusters*width(g) values each */
  centroids: string[];
}

export function serializeModel(model: LshModel): SerializedLshModel {
  return {
    format: MODEL_FORMAT,
    dim: model.dim,
    rotatedDim: model.rotatedDim,
    subspaces: model.subspaces,
    clusters: model.clusters,
    metric: model.metric,
    rotate: model.rotate,
    seed: model.seed,
    maxIterations: model.maxIterations,
    trainedOn: model.trainedOn,
    bounds: Array.from(model.bounds),
    rotation: model.rotation ? { signs: model.rotation.signs.map(signsToString) } : null,
    centroids: model.centroids.map(float32ToBase64),
  };
}

class ModelFormatError extends Error {
  constructor(message: string) {
    super(`invalid serialized LSH model: ${message}`);
    this.name = 'ModelFormatError';
  }
}

/**
 * Parses and validates a serialized model; throws an Error naming the first problem found. Reads
 * the JSON's shape here (types, encodings); whether the parts fit together is validateModel's.
 */
export function deserializeModel(obj: unknown): LshModel {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new ModelFormatError('expected an object');
  }
  const o = obj as Record<string, unknown>;
  if (o.format === 1) {
    throw new ModelFormatError(
      'format 1 (a model with a dense random rotation, written by an earlier lshql) is no ' +
        `longer supported (expected format ${MODEL_FORMAT}); train a new model`,
    );
  }
  if (o.format !== MODEL_FORMAT) {
    throw new ModelFormatError(
      `unsupported format ${JSON.stringify(o.format)} (expected ${MODEL_FORMAT})`,
    );
  }
  const params = asFormatError(() =>
    validateLshParams({
      dim: o.dim as number,
      subspaces: o.subspaces as number,
      clusters: o.clusters as number,
      metric: o.metric as Metric,
      rotate: o.rotate as boolean,
      seed: o.seed as number,
      maxIterations: o.maxIterations as number,
    }),
  );
  if (o.maxIterations === undefined) throw new ModelFormatError('maxIterations is missing');
  const model: LshModel = {
    ...params,
    rotatedDim: o.rotatedDim as number,
    bounds: parseBounds(o.bounds, params.subspaces),
    // A rotation of dim-d vectors always has nextPowerOfTwo(dim) signs per round.
    rotation: o.rotation === null ? null : parseRotation(o.rotation, nextPowerOfTwo(params.dim)),
    centroids: parseCentroids(o.centroids, params.subspaces),
    trainedOn: o.trainedOn as number,
  };
  asFormatError(() => validateModel(model));
  return model;
}

/** Runs `check`, reporting its RangeError as a ModelFormatError. */
function asFormatError<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof RangeError) throw new ModelFormatError(e.message);
    throw e;
  }
}

function parseBounds(value: unknown, subspaces: number): Int32Array {
  if (!Array.isArray(value)) {
    throw new ModelFormatError(`bounds must be an array of ${subspaces + 1} integers`);
  }
  return Int32Array.from(value, (b: unknown, g) => {
    if (typeof b !== 'number' || !Number.isInteger(b)) {
      throw new ModelFormatError(`bounds[${g}] is not an integer`);
    }
    return b;
  });
}

function parseRotation(value: unknown, size: number): HadamardRotation {
  const signs = (value as { signs?: unknown } | null)?.signs;
  if (typeof value !== 'object' || !Array.isArray(signs)) {
    throw new ModelFormatError(
      'rotation must be an object {signs: string[]} when rotate is true (null when it is false)',
    );
  }
  return {
    size,
    signs: signs.map((round: unknown, r) => {
      if (typeof round !== 'string' || round.length !== size || !/^[+-]*$/.test(round)) {
        throw new ModelFormatError(
          `rotation.signs[${r}] must be a string of ${size} characters + or -`,
        );
      }
      const out = new Int8Array(size);
      for (let j = 0; j < size; j++) out[j] = round[j] === '-' ? -1 : 1;
      return out;
    }),
  };
}

function parseCentroids(value: unknown, subspaces: number): Float32Array[] {
  if (!Array.isArray(value)) {
    throw new ModelFormatError(`centroids must be an array of ${subspaces} base64 strings`);
  }
  return value.map((c: unknown, g) => base64ToFloat32(c, `centroids[${g}]`));
}

function signsToString(signs: Int8Array): string {
  let s = '';
  for (const v of signs) s += v < 0 ? '-' : '+';
  return s;
}

function float32ToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64ToFloat32(value: unknown, name: string): Float32Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new ModelFormatError(`${name} must be a base64 string`);
  }
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length % 4 !== 0) {
    throw new ModelFormatError(
      `${name} holds ${bytes.length} bytes, not a whole number of float32 values (4 bytes each)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
