// Weights and config of a GGUF file (llama.cpp's layout), read with our own bounds-checked
// parser. Q4_0/Q4_1/Q8_0/Q5_0/Q4_K become MLX affine quantization without loss; other block types are
// re-encoded as 8-bit affine when weights stay quantized (lossy, policy.requantizeLossy) or dequantized. Tensor names, Q/K row order and config keys are the architecture's (its `gguf`).
import * as mx from '@mlx-ts/core';
import { quantizedArrays } from '../toolkit/linear.js';
import { ModelLoadError } from '../errors.js';
import type { DecodedTensor } from '../gguf/decode-tensor.js';
import type { GgufFile } from '../gguf/gguf-file.js';
import { releaseBuffer } from '../gguf/release-buffer.js';
import { transposeFloat32 } from './transpose.js';
import { type WeightEntry, type WeightPolicy, Weights } from './weights.js';
import { architectureForGguf } from '../registry.js';

/** llama.cpp's block tensor names → Hugging Face's, in the Llama convention (ffn_norm is the pre-MLP norm). */
const llamaBlockNames: Record<string, string> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  attn_norm: 'input_layernorm',
  ffn_norm: 'post_attention_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

/** llama.cpp tensor name → Hugging Face name, with an architecture's own block names on top of Llama's. */
export function huggingFaceName(ggufName: string, blockNames: Readonly<Record<string, string>> = {}): string | undefined {
  if (ggufName === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (ggufName === 'output_norm.weight') return 'model.norm.weight';
  if (ggufName === 'output.weight') return 'lm_head.weight';
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  if (!m) return undefined;
  const name = blockNames[m[2]] ?? llamaBlockNames[m[2]];
  return name === undefined ? undefined : `model.layers.${m[1]}.${name}.${m[3]}`;
}

/** A Hugging Face style config.json built from GGUF metadata by the file's architecture. */
export function configFromGguf(file: GgufFile): Record<string, unknown> {
  const name = file.metadata['general.architecture'];
  const { gguf } = architectureForGguf(name, file.path);
  const read = (key: string) => {
    const v = file.metadata[`${String(name)}.${key}`];
    return typeof v === 'bigint' ? Number(v) : v;
  };
  return gguf.config(read, file);
}

/** llama.cpp's row order of Q/K for its interleaved RoPE, undone: HF row h·r + j·r/2 + i is GGUF row h·r + 2i + j. */
export function unpermuteRows(source: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const perHead = rows / heads;
  const half = perHead / 2;
  const out = new Float32Array(source.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const from = (h * perHead + 2 * i + j) * cols;
        out.set(source.subarray(from, from + cols), (h * perHead + j * half + i) * cols);
      }
    }
  }
  return out;
}

function unpermuteArray(a: mx.Array, heads: number): mx.Array {
  const [rows, cols] = a.shape;
  return mx.reshape(mx.swapaxes(mx.reshape(a, [heads, rows / heads / 2, 2, cols]), 1, 2), [rows, cols]);
}

/** The tensor as MLX arrays (mx.array copies the host data), its host buffers freed. */
function toMx(tensor: DecodedTensor): WeightEntry {
  if (tensor.kind === 'affine-quantized') {
    const [rows, cols] = tensor.shape;
    const entry: WeightEntry = {
      kind: 'quantized',
      weight: mx.array(tensor.weight, 'uint32', [rows, (cols * tensor.bits) / 32]),
      scales: mx.array(tensor.scales, 'float32', [rows, cols / tensor.groupSize]),
      biases: mx.array(tensor.biases, 'float32', [rows, cols / tensor.groupSize]),
      groupSize: tensor.groupSize,
      bits: tensor.bits,
    };
    releaseBuffer(tensor.weight);
    releaseBuffer(tensor.scales);
    releaseBuffer(tensor.biases);
    return entry;
  }
  const entry: WeightEntry = { kind: 'dense', array: mx.array(tensor.data as Float32Array, tensor.dtype as mx.Dtype, tensor.shape) };
  releaseBuffer(tensor.data);
  return entry;
}

/**
 * float32 on the host (CPU): decode and transpose matrices in JS, into the [in, out] layout the
 * model computes with, before MLX copies them. Otherwise: keep Q4_0/Q4_1/Q8_0/Q5_0/Q4_K as MLX affine
 * quantization and everything else as decoded.
 */
async function readEntry(
  file: GgufFile,
  name: string,
  type: string,
  shape: readonly number[],
  policy: WeightPolicy,
  permutedHeads: number | undefined,
): Promise<WeightEntry> {
  if (policy.dtype === 'float32' && !policy.keepQuantized && shape.length === 2) {
    const decoded = await file.readTensor(name, { dequantize: true });
    if (decoded.kind === 'dense' && decoded.dtype === 'float32') {
      const [rows, cols] = decoded.shape;
      const data = permutedHeads ? unpermuteRows(decoded.data, rows, cols, permutedHeads) : decoded.data;
      if (data !== decoded.data) releaseBuffer(decoded.data);
      const transposed = transposeFloat32(data, rows, cols);
      if (transposed !== data) releaseBuffer(data);
      const array = mx.array(transposed, 'float32', [cols, rows]);
      releaseBuffer(transposed);
      return { kind: 'dense', array, transposed: true };
    }
    return unpermuted(toMx(decoded), permutedHeads);
  }
  const entry = toMx(await file.readTensor(name));
  if (entry.kind === 'dense' && policy.keepQuantized && policy.requantizeLossy !== false && lossyRequantizable(type, shape)) {
    return unpermuted((policy.halfScales && requantize8BitSymmetric(entry.array)) || requantize8Bit(entry.array), permutedHeads);
  }
  return unpermuted(entry.kind === 'quantized' && policy.keepQuantized && policy.halfScales ? halfScales(entry, type) : entry, permutedHeads);
}

/**
 * Scales and biases as float16 when every one of them is a float16 value (Q8_0, Q4_0, Q4_1 and
 * Q5_0 store d and m as float16, and -128d, -16d, -8d are exact there; Q4_K's d · sc usually is
 * not): half the bytes the quantized matmul reads for them, the same values.
 */
function halfScales(entry: WeightEntry & { kind: 'quantized' }, type: string): WeightEntry {
  if (entry.scales.dtype !== 'float32' || !entry.biases) return entry;
  const stored = entry.biases;
  const scales = mx.astype(entry.scales, 'float16');
  const biases = mx.astype(stored, 'float16');
  const exact = mx.tidy(() =>
    mx.logicalAnd(mx.all(mx.equal(mx.astype(scales, 'float32'), entry.scales)), mx.all(mx.equal(mx.astype(biases, 'float32'), stored))).item(),
  );
  if (!exact) {
    mx.dispose([scales, biases]);
    return entry;
  }
  // Block types whose bias is a fixed multiple of the scale (d·(q − c)): the CPU kernel forms it
  // from the scale, so the biases are not kept (on the 270M's Q8_0 head alone, 10.5 MB less held
  // and read per token).
  const factor = biasFactors[type];
  const implicit = factor !== undefined && mx.tidy(() => mx.all(mx.equal(mx.multiply(entry.scales, factor), stored)).item());
  mx.eval(implicit ? [scales] : [scales, biases]);
  mx.dispose([entry.scales, stored]);
  if (implicit) {
    biases.dispose();
    return { ...entry, scales, biases: null, biasFactor: factor };
  }
  return { ...entry, scales, biases };
}

/** x = d·(q − c) blocks as affine quantization: bias = −c·scale. */
const biasFactors: Record<string, number | undefined> = { Q8_0: -128, Q5_0: -16, Q4_0: -8 };

/** Block types decoded to float32 because MLX affine quantization cannot hold them exactly. */
const dequantizedBlockTypes = new Set(['Q6_K', 'Q5_K', 'Q5_1']);

function lossyRequantizable(type: string, shape: readonly number[]): boolean {
  return dequantizedBlockTypes.has(type) && shape.length === 2 && shape[1]! % 32 === 0;
}

/** float32 [rows, cols] → 8-bit affine, group 32 (MLX's quantize: min/max per group, round to nearest). */
function requantize8Bit(dense: mx.Array): WeightEntry {
  const [weight, scales, biases] = mx.quantize(dense, { bits: 8, groupSize: 32 });
  mx.eval([weight, scales, biases!]);
  dense.dispose();
  return { kind: 'quantized', weight, scales, biases: biases!, groupSize: 32, bits: 8 };
}

/**
 * float32 [rows, cols] → 8-bit, group 32, symmetric about zero: code q = round(x / s) + 128 with
 * s = max|x| / 127 per group stored as float16, so the bias is −128·s and not stored (the CPU
 * kernel's biasFactor). The blocks this re-encodes (Q6_K, Q5_K, Q5_1) are close to symmetric,
 * so the step is about MLX's min/max one, while the weight holds 8.5 bits per value instead of
 * 10 (float32 scales and biases): on Gemma 3 270M's tied Q6_K head, 210 → 178 MB held and read
 * per token. Undefined when a group's scale does not fit float16 (then MLX's quantize is used).
 */
function requantize8BitSymmetric(dense: mx.Array): WeightEntry | undefined {
  const [rows, cols] = dense.shape;
  const groups = cols / 32;
  const encoded = mx.tidy(() => {
    const values = mx.reshape(dense, [rows, groups, 32]);
    const peak = mx.max(mx.abs(values), -1, true);
    const half = mx.astype(mx.where(mx.equal(peak, 0), 1, mx.divide(peak, 127)), 'float16');
    const step = mx.astype(half, 'float32');
    const representable = mx.all(mx.logicalAnd(mx.greater(step, 0), mx.isfinite(step))).item();
    if (!representable) return undefined;
    const codes = mx.astype(mx.add(mx.clip(mx.round(mx.divide(values, step)), -128, 127), 128), 'uint32');
    // Four codes per little-endian word, value j of the row at byte j (MLX's 8-bit packing).
    const quads = mx.reshape(codes, [rows, cols / 4, 4]);
    const shifts = mx.array([0, 8, 16, 24], 'uint32');
    const weight = mx.sum(mx.leftShift(quads, shifts), -1);
    return { weight: mx.astype(weight, 'uint32'), scales: mx.reshape(half, [rows, groups]) };
  });
  if (!encoded) return undefined;
  mx.eval([encoded.weight, encoded.scales]);
  dense.dispose();
  return { kind: 'quantized', weight: encoded.weight, scales: encoded.scales, biases: null, biasFactor: -128, groupSize: 32, bits: 8 };
}

function unpermuted(entry: WeightEntry, heads: number | undefined): WeightEntry {
  if (!heads) return entry;
  if (entry.kind === 'dense') {
    if (entry.array.ndim === 1) return { kind: 'dense', array: mx.reshape(unpermuteArray(mx.reshape(entry.array, [-1, 1]), heads), [-1]) };
    return { kind: 'dense', array: unpermuteArray(entry.array, heads) };
  }
  // Rows are independent in affine quantization (groups run along a row): permute all three.
  return {
    ...entry,
    weight: unpermuteArray(entry.weight, heads),
    scales: unpermuteArray(entry.scales, heads),
    biases: entry.biases && unpermuteArray(entry.biases, heads),
  };
}

export interface GgufLoadProgress {
  tensorsDone: number;
  tensorsTotal: number;
}

export interface GgufLayout {
  blockNames?: Readonly<Record<string, string>>;
  /** Query and key heads when llama.cpp permuted Q/K rows (Llama family). */
  permutedHeads?: { query: number; key: number };
}

/** Tensors llama.cpp adds that are not weights of a layer: read by the config step, not here. */
const auxiliaryTensors = new Set(['rope_freqs.weight']);

export async function loadGgufWeights(
  file: GgufFile,
  policy: WeightPolicy,
  layout: GgufLayout,
  onProgress?: (p: GgufLoadProgress) => void,
  signal?: AbortSignal,
): Promise<Weights> {
  const weights = new Weights(file.path, policy, 'gguf');
  try {
    let done = 0;
    for (const info of file.tensors) {
      signal?.throwIfAborted();
      done++;
      if (auxiliaryTensors.has(info.name)) continue;
      const name = huggingFaceName(info.name, layout.blockNames);
      if (name === undefined) {
        throw new ModelLoadError({
          file: file.path,
          problem: `its tensor "${info.name}" has no place in the ${String(file.metadata['general.architecture'])} architecture`,
          fix: 'The file may come from a newer llama.cpp conversion; open an issue with the file name',
        });
      }
      const kind = /^blk\.\d+\.(attn_q|attn_k)\./.exec(info.name)?.[1];
      const heads = kind === 'attn_q' ? layout.permutedHeads?.query : kind === 'attn_k' ? layout.permutedHeads?.key : undefined;
      const entry = await readEntry(file, info.name, info.type, info.shape, policy, heads);
      // Materialize now: the host buffer can then be collected while the next tensor is read.
      mx.eval(entry.kind === 'dense' ? entry.array : quantizedArrays(entry));
      weights.add(name, entry);
      onProgress?.({ tensorsDone: done, tensorsTotal: file.tensors.length });
    }
  } catch (error) {
    weights.dispose();
    throw error;
  }
  return weights;
}
