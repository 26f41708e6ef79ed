/**
 * Small deterministic pseudo-random number generation. Same seed ⇒ same sequence on every
 * platform (only 32-bit integer arithmetic is involved in the generator itself).
 */

/**
 * mulberry32: a fast 32-bit PRNG with a 2^32 period, good enough for seeding k-means,
 * subsampling and random rotations. Returns floats in [0, 1).
 * The seed is reduced to an unsigned 32-bit integer (`seed >>> 0`).
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One standard normal variate (mean 0, variance 1) by the Box–Muller transform. */
export function gaussian(rand: () => number): number {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const u1 = 1 - rand();
  const u2 = rand();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * Derives an independent-looking 32-bit seed from a base seed and a stream number, so that
 * different purposes (rotation, per-subspace seeding, ...) do not share one random sequence.
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = (seed >>> 0) ^ Math.imul((stream >>> 0) + 1, 0x9e3779b9);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
