// fast-check generators of hostile safetensors files: a valid file with one thing broken (the
// length field, the header text, a tensor's dtype/shape/offsets, the data section's length), and
// headers built from lying parts: negative, fractional, huge and non-numeric dimensions and
// offsets, overlapping and reversed ranges, unknown dtypes, non-objects, non-JSON.
import fc from 'fast-check';

const itemSize: Record<string, number> = { BOOL: 1, U8: 1, I8: 1, F16: 2, BF16: 2, I16: 2, U16: 2, F32: 4, I32: 4, U32: 4, F64: 8, I64: 8, U64: 8 };
const dtypes = Object.keys(itemSize);

/** Numbers a header may lie with. */
const hostileNumber = fc.oneof(
  fc.nat(64),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 63, 1e300, 0.5, -0, Number.MAX_SAFE_INTEGER),
  fc.double(),
);
const hostileValue = fc.oneof(hostileNumber, fc.string({ maxLength: 4 }), fc.constant(null), fc.boolean(), fc.jsonValue({ maxDepth: 2 }));

interface Tensor {
  dtype: string;
  shape: number[];
}
const tensor: fc.Arbitrary<Tensor> = fc.record({ dtype: fc.constantFrom(...dtypes), shape: fc.array(fc.nat(4), { maxLength: 3 }) });

function encode(header: unknown, data: Uint8Array, lengthField?: bigint): Uint8Array {
  const text = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(lengthField ?? BigInt(text.length));
  return Buffer.concat([length, text, data]);
}

/** A valid file: tensors back to back in the data section, plus metadata. */
function validParts(tensors: Record<string, Tensor>): { header: Record<string, unknown>; data: Uint8Array } {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * itemSize[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  return { header, data: new Uint8Array(offset).map((_, i) => i * 37) };
}

const tensors = fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tensor, { minKeys: 1, maxKeys: 4 });

/** A valid file and one mutation of it. */
const mutatedValid = fc
  .tuple(tensors, fc.nat(), fc.integer({ min: 0, max: 7 }), hostileValue, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.uint8Array({ maxLength: 16 }))
  .map(([ts, at, which, value, length, bytes]) => {
    const { header, data } = validParts(ts);
    const names = Object.keys(header).filter((k) => k !== '__metadata__');
    const entry = header[names[at % names.length]] as Record<string, unknown>;
    const file = () => encode(header, data);
    switch (which) {
      case 0: // the file cut anywhere
        return file().subarray(0, at % (file().length + 1));
      case 1: // a lying length field
        return encode(header, data, length);
      case 2: // one field of one tensor replaced
        entry[['dtype', 'shape', 'data_offsets'][at % 3]] = value;
        return file();
      case 3: // one dimension or offset replaced
        if (at % 2 === 0 && (entry.shape as number[]).length > 0) (entry.shape as number[])[at % (entry.shape as number[]).length] = value as number;
        else (entry.data_offsets as unknown[])[at % 2] = value;
        return file();
      case 4: // a tensor overlapping or aliasing another
        entry.data_offsets = [(at % 7) * 2, (at % 7) * 2 + data.length];
        return file();
      case 5: // bytes overwritten anywhere
        {
          const out = Buffer.from(file());
          const start = at % out.length;
          return out.fill(bytes[0] ?? 0, start, Math.min(out.length, start + bytes.length));
        }
      case 6: // the metadata made hostile
        header.__metadata__ = value;
        return file();
      default: // data appended or removed
        return Buffer.concat([file(), bytes]);
    }
  });

/** Headers of arbitrary shape: random JSON, random text, random entries. */
const hostileHeader = fc
  .tuple(
    fc.oneof(
      fc.dictionary(
        fc.oneof(fc.constant('__metadata__'), fc.string({ maxLength: 4 })),
        fc.oneof(
          fc.record(
            {
              dtype: fc.oneof(fc.constantFrom(...dtypes), hostileValue),
              shape: fc.oneof(fc.array(hostileNumber, { maxLength: 4 }), hostileValue),
              data_offsets: fc.oneof(fc.array(hostileNumber, { maxLength: 3 }), hostileValue),
            },
            { requiredKeys: [] },
          ),
          hostileValue,
        ),
        { maxKeys: 4 },
      ),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ maxLength: 40, unit: 'binary' }),
    ),
    fc.uint8Array({ maxLength: 96 }),
  )
  .map(([header, data]) => encode(header, data));

/** A hostile safetensors file as bytes. */
export const hostileSafetensors: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: mutatedValid, weight: 3 },
  { arbitrary: hostileHeader, weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
);
