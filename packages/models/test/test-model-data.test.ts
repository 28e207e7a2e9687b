// The cached test models are the ones the committed reference fixtures were made from.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFixture } from './helpers/fixtures.js';
import { requireModelData } from './helpers/model-data.js';

describe('test model data', () => {
  it('tiny-gemma3 holds the weights and config the tiny reference was computed from', () => {
    const expected = readFixture<{ weightsSha256: string; config: Record<string, unknown> }>('tiny-gemma3-reference.json');
    const folder = requireModelData('tiny-gemma3');
    const digest = createHash('sha256')
      .update(readFileSync(join(folder, 'model.safetensors')))
      .digest('hex');
    expect(digest).toBe(expected.weightsSha256);
    expect(JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'))).toEqual(expected.config);
  });

  it.each(['llama', 'mistral', 'qwen2', 'qwen3', 'gemma2', 'phi3', 'mixtral', 'qwen3_moe', 'qwen2.gguf'])(
    'tiny-%s holds the weights its transformers reference was computed from',
    (name) => {
      const gguf = name.endsWith('.gguf');
      const { weightsSha256 } = readFixture<{ weightsSha256: string }>(`tiny-${name}-reference.json`);
      const path = gguf ? requireModelData(`tiny-${name}`) : join(requireModelData(`tiny-${name}`), 'model.safetensors');
      expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(weightsSha256);
    },
  );

  it('the derived Gemma 3 270M folders have the real hyperparameters', () => {
    for (const name of ['gemma-3-270m-bf16', 'gemma-3-270m-mlx-4bit']) {
      const config = JSON.parse(readFileSync(join(requireModelData(name), 'config.json'), 'utf8'));
      expect(config).toMatchObject({
        model_type: 'gemma3_text',
        hidden_size: 640,
        num_hidden_layers: 18,
        intermediate_size: 2048,
        num_attention_heads: 4,
        num_key_value_heads: 1,
        head_dim: 256,
        query_pre_attn_scalar: 256,
        sliding_window: 512,
        rope_theta: 1000000,
        rope_local_base_freq: 10000,
        vocab_size: 262144,
      });
      expect(config.layer_types.filter((t: string) => t === 'full_attention').length, name).toBe(3);
    }
    const quantized = JSON.parse(readFileSync(join(requireModelData('gemma-3-270m-mlx-4bit'), 'config.json'), 'utf8'));
    expect(quantized.quantization).toMatchObject({ group_size: 64, bits: 4 });
  });
});
