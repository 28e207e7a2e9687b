// The config.json fields llama.cpp keeps in GGUF metadata under `<arch>.*` (llama-arch.cpp's
// LLM_KV names), shared by the Llama-shaped architectures. Each architecture adds what it fixes.
import type { GgufFile } from '../gguf/gguf-file.js';

type Json = Record<string, unknown>;

function defined(entries: Json): Json {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined && v !== null));
}

/** Hidden sizes, heads, norms, RoPE (with its scaling), context, vocabulary, tied head, biases, special ids. */
export function llamaConfigFromGguf(read: (key: string) => unknown, file: GgufFile, modelType: string): Json {
  const meta = file.metadata;
  const hidden = read('embedding_length') as number | undefined;
  const heads = read('attention.head_count') as number | undefined;
  const headDim = (read('attention.key_length') as number | undefined) ?? (hidden && heads ? hidden / heads : undefined);
  const ropeDims = read('rope.dimension_count') as number | undefined;
  const config: Json = defined({
    model_type: modelType,
    hidden_size: hidden,
    num_hidden_layers: read('block_count'),
    intermediate_size: read('feed_forward_length'),
    num_attention_heads: heads,
    num_key_value_heads: read('attention.head_count_kv'),
    head_dim: headDim,
    rms_norm_eps: read('attention.layer_norm_rms_epsilon'),
    rope_theta: read('rope.freq_base'),
    partial_rotary_factor: ropeDims && headDim && ropeDims !== headDim ? ropeDims / headDim : undefined,
    max_position_embeddings: read('context_length'),
    sliding_window: read('attention.sliding_window'),
    vocab_size: file.tensor('token_embd.weight')?.shape[0],
    tie_word_embeddings: file.tensor('output.weight') === undefined,
    attention_bias: file.tensor('blk.0.attn_output.bias') !== undefined,
    mlp_bias: file.tensor('blk.0.ffn_gate.bias') !== undefined || file.tensor('blk.0.ffn_up.bias') !== undefined,
    bos_token_id: meta['tokenizer.ggml.bos_token_id'],
    eos_token_id: meta['tokenizer.ggml.eos_token_id'],
  });
  const scaling = read('rope.scaling.type');
  const factor = read('rope.scaling.factor');
  const original = read('rope.scaling.original_context_length');
  if ((scaling === 'linear' || scaling === 'yarn') && typeof factor === 'number') {
    config.rope_scaling = defined({ rope_type: scaling, factor, original_max_position_embeddings: scaling === 'yarn' ? original : undefined });
  }
  return config;
}
