export type { LshModel, LshModelParams, Metric } from './lsh-model.js';
export { DEFAULT_MAX_ITERATIONS, MAX_CLUSTERS } from './lsh-model.js';
export { createRandom, gaussian, deriveSeed } from './seeded-random.js';
export { subspaceBounds } from './subspaces.js';
export {
  l2NormalizeInto,
  inverseNorm,
  dot,
  cosineSimilarity,
  squaredL2,
  isZeroNorm,
  unitVector,
} from './vector-math.js';
export {
  HADAMARD_ROUNDS,
  HadamardTransform,
  fwhtInPlace,
  nextPowerOfTwo,
  randomHadamardRotation,
  type HadamardRotation,
} from './rotation.js';
export { trainLshModel, kmeansPlusPlus } from './train.js';
export { validateLshParams } from './model-validation.js';
export { LshHasher } from './hasher.js';
export {
  MODEL_FORMAT,
  serializeModel,
  deserializeModel,
  type SerializedLshModel,
} from './model-serialization.js';
