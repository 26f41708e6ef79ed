export type { LshModel, LshModelParams, Metric } from './lsh-model.js';
export { DEFAULT_MAX_ITERATIONS, MAX_CLUSTERS } from './lsh-model.js';
export { createRandom, gaussian, deriveSeed } from './seeded-random.js';
export { subspaceBounds } from './subspaces.js';
export { l2NormalizeInto, dot, cosineSimilarity, squaredL2 } from './vector-math.js';
export { randomOrthogonalMatrix, rotateInto } from './rotation.js';
export { trainLshModel, validateLshParams, kmeansPlusPlus } from './train.js';
export { LshHasher } from './hash.js';
export {
  serializeModel,
  deserializeModel,
  type SerializedLshModel,
} from './model-serialization.js';
