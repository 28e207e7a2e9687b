// fast-check generators of hostile GGUF files: mutations of a small valid file holding every
// metadata value type (arrays of strings and nested arrays included) and F32, F16 and Q8_0
// tensors. Overwrites with interesting integers (0, -1, 2^31, 2^63, type ids...) at random
// positions reach the magic, version, counts, string lengths, value and tensor types, dims and
// offsets; cuts, splices and duplicated ranges reach the rest.
import fc from 'fast-check';
import { buildGguf, concat, ggufString, keyValue, u32, u64, u8, V } from './gguf-builder.js';

function richGguf(): Uint8Array {
  const data = new Uint8Array(192);
  new Float32Array(data.buffer, 0, 4).set([1, 2, 3, 4]);
  new Uint16Array(data.buffer, 32, 6).set([0x3c00, 0x4000, 0x4200, 0xc400, 0x7bff, 0x0001]);
  // One Q8_0 block of 32 values: an f16 scale, then 32 int8 quants.
  new Uint16Array(data.buffer, 64, 1)[0] = 0x3800;
  new Int8Array(data.buffer, 66, 32).set(Array.from({ length: 32 }, (_, i) => i - 16));
  return buildGguf({
    keyValues: [
      keyValue('general.architecture', V.string, ggufString('test')),
      keyValue('general.alignment', V.uint32, u32(32)),
      keyValue('test.u8', V.uint8, u8(7)),
      keyValue('test.u64', V.uint64, u64(2n ** 40n)),
      keyValue('test.f64', V.float64, new Uint8Array(new Float64Array([1.5]).buffer)),
      keyValue('test.bool', V.bool, u8(1)),
      keyValue('test.ids', V.array, concat(u32(V.int32), u64(3), u32(1), u32(2), u32(3))),
      keyValue('test.names', V.array, concat(u32(V.string), u64(2), ggufString('<s>'), ggufString('é'))),
      keyValue('test.nested', V.array, concat(u32(V.array), u64(1), u32(V.uint16), u64(2), new Uint8Array([1, 0, 2, 0]))),
    ],
    tensors: [
      { name: 'a', dims: [4], type: 0, offset: 0 },
      { name: 'b', dims: [3, 2], type: 1, offset: 32 },
      { name: 'q', dims: [32, 1], type: 8, offset: 64 },
    ],
    data,
  });
}

export const validGgufBytes = richGguf();

const interesting = fc.constantFrom(
  0n,
  1n,
  2n,
  3n,
  4n,
  8n,
  9n,
  12n,
  30n,
  31n,
  32n,
  255n,
  256n,
  2n ** 16n - 1n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
);
const width = fc.constantFrom(1, 2, 4, 8);

/** A mutation of the valid file. */
const mutation = fc
  .tuple(fc.nat(validGgufBytes.length - 1), fc.integer({ min: 0, max: 4 }), interesting, width, fc.nat(64), fc.uint8Array({ minLength: 1, maxLength: 8 }))
  .map(([at, which, value, size, span, bytes]) => {
    const out = Buffer.from(validGgufBytes);
    switch (which) {
      case 0: {
        // An interesting little-endian integer of 1 to 8 bytes.
        const field = Buffer.alloc(8);
        field.writeBigUInt64LE(value);
        field.copy(out, at, 0, Math.min(size, out.length - at));
        return out;
      }
      case 1:
        return out.subarray(0, at);
      case 2:
        out.fill(bytes[0]!, at, Math.min(out.length, at + bytes.length));
        return out;
      case 3:
        return Buffer.concat([out.subarray(0, at), bytes, out.subarray(at)]);
      default:
        // A range duplicated or dropped: entries repeated or missing behind an unchanged count.
        return at % 2 === 0
          ? Buffer.concat([out.subarray(0, at + span), out.subarray(at)])
          : Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + span))]);
    }
  });

/** A hostile GGUF file: one to three mutations of the valid one. */
export const hostileGguf: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: mutation, weight: 6 },
  {
    arbitrary: fc.tuple(fc.array(fc.tuple(fc.nat(validGgufBytes.length - 1), interesting, width), { minLength: 2, maxLength: 3 })).map(([edits]) => {
      const out = Buffer.from(validGgufBytes);
      for (const [at, value, size] of edits) {
        const field = Buffer.alloc(8);
        field.writeBigUInt64LE(value);
        field.copy(out, at, 0, Math.min(size, out.length - at));
      }
      return out;
    }),
    weight: 3,
  },
  { arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => concat(Buffer.from('GGUF'), u32(3), b)), weight: 1 },
);
