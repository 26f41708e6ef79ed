/**
 * Vectors in `_source` as base64 of little-endian float32 values: about half the bytes of a JSON
 * number array, and one string token for Elasticsearch to skip or copy instead of hundreds of
 * numbers to parse, which made fetching re-rank candidates the slowest part of a query.
 */
export function encodeVector(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}

export function decodeVector(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  const vector = new Array<number>(bytes.length >> 2);
  for (let i = 0; i < vector.length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}

/**
 * A vector as float32 values written with at most 9 significant digits: what Elasticsearch keeps
 * of a `float` dense vector anyway, in about half the JSON of a float64's 17 digits.
 */
export function float32Values(vector: readonly number[]): number[] {
  const out = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const f = Math.fround(vector[i]!);
    let short = f;
    // 6 digits round-trip most float32 values; 9 always do.
    for (let digits = 6; digits <= 9; digits++) {
      const candidate = Number(f.toPrecision(digits));
      if (Math.fround(candidate) === f) {
        short = candidate;
        break;
      }
    }
    out[i] = short;
  }
  return out;
}
