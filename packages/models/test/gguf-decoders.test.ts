// Decoders vs gguf-py's dequantize and MLX's own GGUF loader, on random blocks made by
// tools/fixtures/models/make-gguf-quant-blocks.py.
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { decodeTensor, dequantizeAffine, float16ToFloat32, ggmlTypeById, ggmlTypes, toFloat32Values, type GgmlTypeName } from '../src/gguf/index.js';
import { base64Bytes, base64Float32, base64Uint16, base64Uint32, firstBitDifference, readFixture } from './helpers/fixtures.js';

interface QuantFixture {
  quantSizes: Record<string, [number, number]>;
  quantIds: Record<string, number>;
  types: Record<
    string,
    {
      shape: [number, number];
      raw: string;
      dequantized: string;
      mlx?: { bits: number; weightShape: [number, number]; weight: string; scales: string; biases: string; mlxDequantized: string };
    }
  >;
  float16: { bits: string; float32: string };
}

const fixture = readFixture<QuantFixture>('gguf-quant-blocks.json');

/** Value equality (0 and -0 equal): affine re-encoding computes d*q + bias, ggml d*(q-k). */
function firstValueDifference(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Math.min(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) return i;
  return -1;
}

describe('GGML type table', () => {
  it('matches gguf-py GGML_QUANT_SIZES for every type', () => {
    expect(Object.keys(fixture.quantSizes).length).toBeGreaterThan(30);
    for (const [name, [blockSize, typeSize]] of Object.entries(fixture.quantSizes)) {
      const info = ggmlTypes[name as GgmlTypeName];
      expect(info, name).toBeDefined();
      expect([info.id, info.blockSize, info.typeSize], name).toEqual([fixture.quantIds[name], blockSize, typeSize]);
      expect(ggmlTypeById(info.id)?.name).toBe(name);
    }
  });
});

describe('dequantization to float32 matches gguf.quants.dequantize bit for bit', () => {
  for (const [type, entry] of Object.entries(fixture.types)) {
    it(type, () => {
      const raw = base64Bytes(entry.raw);
      const expected = base64Float32(entry.dequantized);
      const tensor = decodeTensor(type as GgmlTypeName, entry.shape, raw, { dequantize: true });
      expect(tensor.kind).toBe('dense');
      expect(tensor.shape).toEqual(entry.shape);
      const values = toFloat32Values(tensor);
      expect(values.length).toBe(expected.length);
      expect(firstBitDifference(values, expected)).toBe(-1);
    });
  }
});

describe('Q4_0 / Q4_1 / Q8_0 re-encode losslessly as MLX affine group-32 quantization', () => {
  for (const type of ['Q4_0', 'Q4_1', 'Q8_0'] as const) {
    it(`${type}: same packed words, scales and biases as MLX's GGUF loader; dequantizes to gguf's values`, () => {
      const entry = fixture.types[type]!;
      const mlx = entry.mlx!;
      const tensor = decodeTensor(type, entry.shape, base64Bytes(entry.raw));
      if (tensor.kind !== 'affine-quantized') throw new Error(`expected affine, got ${tensor.kind}`);
      expect(tensor.bits).toBe(mlx.bits);
      expect(tensor.groupSize).toBe(32);
      expect(tensor.shape).toEqual(entry.shape);
      const [rows, words] = mlx.weightShape;
      expect(tensor.weight.length).toBe(rows * words);
      expect(Array.from(tensor.weight)).toEqual(Array.from(base64Uint32(mlx.weight)));
      expect(firstValueDifference(tensor.scales, base64Float32(mlx.scales))).toBe(-1);
      expect(firstValueDifference(tensor.biases, base64Float32(mlx.biases))).toBe(-1);
      const expected = base64Float32(entry.dequantized);
      expect(firstValueDifference(dequantizeAffine(tensor), expected)).toBe(-1);
      expect(firstValueDifference(base64Float32(mlx.mlxDequantized), expected)).toBe(-1);
    });
  }
});

describe('Q5_0 and Q4_K re-encode losslessly as MLX affine group-32 quantization', () => {
  for (const [type, bits] of [
    ['Q5_0', 5],
    ['Q4_K', 4],
  ] as const) {
    it(`${type} → ${bits}-bit: dequantizes to gguf's values`, () => {
      const entry = fixture.types[type]!;
      const tensor = decodeTensor(type, entry.shape, base64Bytes(entry.raw));
      if (tensor.kind !== 'affine-quantized') throw new Error(`expected affine, got ${tensor.kind}`);
      expect(tensor.bits).toBe(bits);
      expect(tensor.groupSize).toBe(32);
      expect(tensor.shape).toEqual(entry.shape);
      const [rows, cols] = entry.shape;
      expect(tensor.weight.length).toBe((rows * cols * bits) / 32);
      expect(tensor.scales.length).toBe((rows * cols) / 32);
      expect(firstValueDifference(dequantizeAffine(tensor), base64Float32(entry.dequantized))).toBe(-1);
      // MLX reads the packing the same way: its own dequantize gives gguf's values too.
      const mlxValues = mx.tidy(() =>
        mx
          .dequantize(
            mx.array(tensor.weight, 'uint32', [rows, (cols * bits) / 32]),
            mx.array(tensor.scales, 'float32', [rows, cols / 32]),
            mx.array(tensor.biases, 'float32', [rows, cols / 32]),
            {
              groupSize: 32,
              bits,
            },
          )
          .toTypedArray(),
      ) as Float32Array;
      expect(firstValueDifference(mlxValues, base64Float32(entry.dequantized))).toBe(-1);
    });
  }
});

describe('plain types', () => {
  it('float16 widening matches numpy for special and random bit patterns', () => {
    const bits = base64Uint16(fixture.float16.bits);
    expect(firstBitDifference(float16ToFloat32(bits), base64Float32(fixture.float16.float32))).toBe(-1);
  });

  it('F16 and BF16 stay raw bits with a dtype tag; F32 is viewed as float32', () => {
    const bytes = new Uint8Array([0x00, 0x3c, 0x00, 0xc0]);
    const f16 = decodeTensor('F16', [2], bytes);
    expect(f16).toMatchObject({ kind: 'dense', dtype: 'float16', shape: [2] });
    expect(Array.from(toFloat32Values(f16))).toEqual([1, -2]);
    const bf16 = decodeTensor('BF16', [2], new Uint8Array([0x80, 0x3f, 0x40, 0xc0]));
    expect(bf16).toMatchObject({ kind: 'dense', dtype: 'bfloat16' });
    expect(Array.from(toFloat32Values(bf16))).toEqual([1, -3]);
    const f32 = decodeTensor('F32', [1, 2], new Uint8Array(new Float32Array([0.5, -7]).buffer));
    expect(Array.from(toFloat32Values(f32))).toEqual([0.5, -7]);
  });

  it('an unaligned F32 slice is copied, not mis-read', () => {
    const backing = new Uint8Array(9);
    backing.set(new Uint8Array(new Float32Array([1.5, 2.5]).buffer), 1);
    const tensor = decodeTensor('F32', [2], backing.subarray(1));
    expect(Array.from(toFloat32Values(tensor))).toEqual([1.5, 2.5]);
  });
});
