let table: Float32Array | undefined;

function halfBitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/**
 * All 65536 IEEE half-precision values as float32, built once on first use (256 KiB): the
 * dequantizers read one or two scales per block through it.
 */
export function halfToFloatTable(): Float32Array {
  if (table === undefined) {
    table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) table[bits] = halfBitsToNumber(bits);
  }
  return table;
}

/** Widens raw float16 bits to float32 (exact). */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const lookup = halfToFloatTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = lookup[bits[i]!]!;
  return out;
}

/** Widens raw bfloat16 bits to float32 (exact: bf16 is the top half of a float32). */
export function bfloat16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = bits[i]! << 16;
  return out;
}
