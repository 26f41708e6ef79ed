/** Small vector helpers. Accumulation is in float64 (JS numbers). */

function assertSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) {
    throw new RangeError(`vector lengths differ: ${a.length} vs ${b.length}`);
  }
}

/**
 * Writes src[srcOffset .. srcOffset+dim) divided by its L2 norm into out[outOffset ..].
 * A zero vector is written as zeros. Returns the norm of the source slice.
 * `out` may be the same array as `src` (in-place) when the offsets are equal.
 */
export function l2NormalizeInto(
  src: ArrayLike<number>,
  srcOffset: number,
  dim: number,
  out: Float32Array,
  outOffset: number,
): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const v = src[srcOffset + i]!;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (norm === 0) {
    out.fill(0, outOffset, outOffset + dim);
    return 0;
  }
  const inv = 1 / norm;
  for (let i = 0; i < dim; i++) {
    out[outOffset + i] = src[srcOffset + i]! * inv;
  }
  return norm;
}

/** 1 / ‖src[offset .. offset+dim)‖, or 0 for a zero vector (which then stays zero). */
export function inverseNorm(src: ArrayLike<number>, offset: number, dim: number): number {
  let sum = 0;
  for (let j = 0; j < dim; j++) {
    const v = src[offset + j]!;
    sum += v * v;
  }
  return sum === 0 ? 0 : 1 / Math.sqrt(sum);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Cosine similarity in [-1, 1]; 0 when either vector has norm 0. */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  if (aa === 0 || bb === 0) return 0;
  return ab / Math.sqrt(aa * bb);
}

export function squaredL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertSameLength(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
  }
  return s;
}

/**
 * True when the squared norm is 0 in float64 (every value 0, or too tiny to square): such a
 * vector has no direction, and its cosine with anything is taken as 0.
 */
export function isZeroNorm(vector: ArrayLike<number>): boolean {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return sum === 0;
}

/**
 * The vector divided by its length (a zero vector stays zero). Elasticsearch's cosine fields
 * refuse a vector whose float32 magnitude is 0, which tiny (denormal) values reach: scaled to
 * length 1 first, any vector with a direction is accepted, and the cosine is unchanged.
 */
export function unitVector(vector: readonly number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  return norm === 0 ? vector.map(() => 0) : vector.map((v) => v / norm);
}
