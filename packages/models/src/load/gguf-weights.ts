// Weights and config of a GGUF file (llama.cpp's layout), read with our own bounds-checked
// parser. Q4_0/Q4_1/Q8_0/Q5_0/Q4_K become MLX affine quantization without loss; other block types are
// dequantized; GGUF's Gemma 3 norms already hold 1 + w.
import * as mx from '@mlx-ts/core';
import { ModelLoadError } from '../errors.js';
import type { DecodedTensor } from '../gguf/decode-tensor.js';
import type { GgufFile } from '../gguf/gguf-file.js';
import { transposeFloat32 } from './transpose.js';
import { type WeightEntry, type WeightPolicy, Weights } from './weights.js';

const blockNames: Record<string, string> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_q_norm: 'self_attn.q_norm',
  attn_k_norm: 'self_attn.k_norm',
  attn_norm: 'input_layernorm',
  post_attention_norm: 'post_attention_layernorm',
  ffn_norm: 'pre_feedforward_layernorm',
  post_ffw_norm: 'post_feedforward_layernorm',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

/** llama.cpp tensor name → Hugging Face name. */
export function huggingFaceName(ggufName: string): string | undefined {
  if (ggufName === 'token_embd.weight') return 'model.embed_tokens.weight';
  if (ggufName === 'output_norm.weight') return 'model.norm.weight';
  if (ggufName === 'output.weight') return 'lm_head.weight';
  const m = /^blk\.(\d+)\.([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  if (!m || !(m[2] in blockNames)) return undefined;
  return `model.layers.${m[1]}.${blockNames[m[2]]}.${m[3]}`;
}

/** A Hugging Face style config.json built from GGUF metadata (Gemma 3's missing keys are its fixed values). */
export function configFromGguf(file: GgufFile): Record<string, unknown> {
  const meta = file.metadata;
  const arch = meta['general.architecture'];
  if (arch !== 'gemma3') {
    throw new ModelLoadError({ file: file.path, problem: `its architecture is ${JSON.stringify(arch)}`, fix: 'Only Gemma 3 GGUF files (general.architecture = gemma3) are supported' });
  }
  const get = (key: string) => {
    const v = meta[`${arch}.${key}`];
    return typeof v === 'bigint' ? Number(v) : v;
  };
  const embedding = file.tensor('token_embd.weight');
  const config: Record<string, unknown> = {
    model_type: 'gemma3_text',
    hidden_size: get('embedding_length'),
    num_hidden_layers: get('block_count'),
    intermediate_size: get('feed_forward_length'),
    num_attention_heads: get('attention.head_count'),
    num_key_value_heads: get('attention.head_count_kv'),
    head_dim: get('attention.key_length'),
    rms_norm_eps: get('attention.layer_norm_rms_epsilon'),
    rope_theta: get('rope.freq_base') ?? 1_000_000,
    sliding_window: get('attention.sliding_window'),
    max_position_embeddings: get('context_length'),
    vocab_size: embedding?.shape[0],
    // Not stored in GGUF; fixed for Gemma 3 (as llama.cpp assumes).
    rope_local_base_freq: 10_000,
    sliding_window_pattern: 6,
    query_pre_attn_scalar: get('attention.key_length'),
    tie_word_embeddings: file.tensor('output.weight') === undefined,
    eos_token_id: [1, 106],
    bos_token_id: 2,
  };
  const scalingType = get('rope.scaling.type');
  const factor = get('rope.scaling.factor');
  if (scalingType === 'linear' && typeof factor === 'number') config.rope_scaling = { rope_type: 'linear', factor };
  const eos = meta['tokenizer.ggml.eos_token_id'];
  if (typeof eos === 'number') config.eos_token_id = [...new Set([eos, 1, 106])];
  return config;
}

function toMx(tensor: DecodedTensor): WeightEntry {
  if (tensor.kind === 'affine-quantized') {
    const [rows, cols] = tensor.shape;
    return {
      kind: 'quantized',
      weight: mx.array(tensor.weight, 'uint32', [rows, (cols * tensor.bits) / 32]),
      scales: mx.array(tensor.scales, 'float32', [rows, cols / tensor.groupSize]),
      biases: mx.array(tensor.biases, 'float32', [rows, cols / tensor.groupSize]),
      groupSize: tensor.groupSize,
      bits: tensor.bits,
    };
  }
  return { kind: 'dense', array: mx.array(tensor.data as Float32Array, tensor.dtype as mx.Dtype, tensor.shape) };
}

/**
 * float32 on the host (CPU): decode and transpose matrices in JS, into the [in, out] layout the
 * model computes with, before MLX copies them. Otherwise: keep Q4_0/Q4_1/Q8_0/Q5_0/Q4_K as MLX affine
 * quantization and everything else as decoded.
 */
async function readEntry(file: GgufFile, name: string, shape: readonly number[], policy: WeightPolicy): Promise<WeightEntry> {
  if (policy.dtype === 'float32' && !policy.keepQuantized && shape.length === 2) {
    const decoded = await file.readTensor(name, { dequantize: true });
    if (decoded.kind === 'dense' && decoded.dtype === 'float32') {
      const [rows, cols] = decoded.shape;
      return { kind: 'dense', array: mx.array(transposeFloat32(decoded.data, rows, cols), 'float32', [cols, rows]), transposed: true };
    }
    return toMx(decoded);
  }
  return toMx(await file.readTensor(name));
}

export interface GgufLoadProgress {
  tensorsDone: number;
  tensorsTotal: number;
}

export async function loadGgufWeights(file: GgufFile, policy: WeightPolicy, onProgress?: (p: GgufLoadProgress) => void, signal?: AbortSignal): Promise<Weights> {
  const weights = new Weights(file.path, policy, true);
  try {
    let done = 0;
    for (const info of file.tensors) {
      signal?.throwIfAborted();
      const name = huggingFaceName(info.name);
      done++;
      if (name === undefined) continue;
      const entry = await readEntry(file, info.name, info.shape, policy);
      // Materialize now: the host buffer can then be collected while the next tensor is read.
      mx.eval(entry.kind === 'dense' ? entry.array : [entry.weight, entry.scales, entry.biases]);
      weights.add(name, entry);
      onProgress?.({ tensorsDone: done, tensorsTotal: file.tensors.length });
    }
  } catch (error) {
    weights.dispose();
    throw error;
  }
  return weights;
}
