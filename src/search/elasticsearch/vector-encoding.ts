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

/** Whether this machine stores a float32 as little-endian bytes (all current Node platforms). */
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

export function decodeVector(encoded: string): number[] {
  const bytes = Buffer.from(encoded, 'base64');
  const length = bytes.length >> 2;
  const vector = new Array<number>(length);
  if (LITTLE_ENDIAN) {
    // One copy into an aligned Float32Array, then plain reads: about twice as fast as
    // readFloatLE per value (a Buffer from base64 may not be 4-byte aligned to view directly).
    const floats = new Float32Array(length);
    new Uint8Array(floats.buffer).set(bytes.subarray(0, length * 4));
    for (let i = 0; i < length; i++) vector[i] = floats[i]!;
    return vector;
  }
  for (let i = 0; i < length; i++) vector[i] = bytes.readFloatLE(i * 4);
  return vector;
}

/** Exact powers of ten: every 10^k up to 10^22 is a double without rounding. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** The shortest of 6..9 significant digits that gives back `f`, through strings (any range). */
function shortViaStrings(f: number): number {
  for (let digits = 6; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/**
 * The same without strings, for magnitudes where the scale 10^k stays exact: m = round(f·10^k)
 * is the p-digit mantissa, and m / 10^k (IEEE division rounds correctly) is the double nearest
 * the decimal m·10^-k, which prints as that decimal. About ten times faster than toPrecision.
 */
function shortFloat32(f: number): number {
  const magnitude = Math.abs(f);
  if (magnitude === 0 || !Number.isFinite(f)) return f;
  // A whole number of at most 6 digits (raw pixels, counts) is what the search below returns.
  if (magnitude < 1e6 && Number.isInteger(f)) return f;
  let exponent = Math.floor(Math.log10(magnitude));
  // log10 can be off by one next to a power of ten.
  if (exponent + 1 < POW10.length && exponent + 1 >= 0 && magnitude >= POW10[exponent + 1]!) {
    exponent++;
  }
  if (exponent >= 0 && exponent < POW10.length && magnitude < POW10[exponent]!) exponent--;
  for (let digits = 6; digits <= 9; digits++) {
    const k = digits - 1 - exponent;
    if (k < 0 || k >= POW10.length) return shortViaStrings(f);
    const scale = POW10[k]!;
    const candidate = Math.round(f * scale) / scale;
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/**
 * A vector as float32 values written with at most 9 significant digits: what Elasticsearch keeps
 * of a `float` dense vector anyway, in about half the JSON of a float64's 17 digits.
 */
export function float32Values(vector: readonly number[]): number[] {
  const out = new Array<number>(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = shortFloat32(Math.fround(vector[i]!));
  return out;
}
