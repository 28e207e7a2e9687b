// Gemma 3 (text-only checkpoints, and the language model of multimodal ones).
import type { Architecture, GgufArchitecture } from '../registry.js';
import { llamaConfigFromGguf } from '../load/gguf-config.js';
import { type Gemma3Config, parseGemma3Config } from './config.js';
import { buildGemma3 } from './model.js';
import { gemma3ChatTemplate } from './chat-template.js';

/** Multimodal `gemma3` checkpoints keep the text model under `language_model.`; the rest is vision. */
function sanitizeName(name: string): string | undefined {
  if (name.startsWith('vision_tower.') || name.startsWith('multi_modal_projector.')) return undefined;
  if (name.startsWith('language_model.model.')) return name.slice('language_model.'.length);
  if (name.startsWith('language_model.lm_head.')) return name.slice('language_model.'.length);
  if (name.startsWith('model.language_model.')) return `model.${name.slice('model.language_model.'.length)}`;
  if (name.startsWith('model.vision_tower.') || name.startsWith('model.multi_modal_projector.')) return undefined;
  return name;
}

/** llama.cpp's Gemma 3: sandwich-norm names of its own; norms already hold 1 + w; fixed values it does not store. */
const gguf: GgufArchitecture = {
  names: ['gemma3'],
  blockNames: { ffn_norm: 'pre_feedforward_layernorm', post_attention_norm: 'post_attention_layernorm', post_ffw_norm: 'post_feedforward_layernorm' },
  config: (read, file) => {
    const config = llamaConfigFromGguf(read, file, 'gemma3_text');
    const eos = file.metadata['tokenizer.ggml.eos_token_id'];
    return {
      ...config,
      rope_theta: config.rope_theta ?? 1_000_000,
      rope_local_base_freq: 10_000,
      sliding_window_pattern: 6,
      query_pre_attn_scalar: config.head_dim,
      eos_token_id: [...new Set([...(typeof eos === 'number' ? [eos] : []), 1, 106])],
      bos_token_id: 2,
    };
  },
};

/** model_type "gemma3_text" and the text model of "gemma3". */
export const gemma3: Architecture<Gemma3Config> = {
  gguf,
  parseConfig: parseGemma3Config,
  sanitizeName,
  build: buildGemma3,
  defaultChatTemplate: gemma3ChatTemplate,
};

export { buildGemma3, type Gemma3Config, parseGemma3Config };
