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
