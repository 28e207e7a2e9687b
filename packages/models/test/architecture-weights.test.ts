// A checkpoint whose weights do not fit its config is refused with a ModelLoadError that names
// the weights: unused (the architecture has no place for them) or missing. Made from the tiny
// models by editing config.json only.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mx from '@mlx-ts/core';
import { MlxTsError } from '@mlx-ts/spec';
import { describe, expect, it } from 'vitest';
import { loadLanguageModel, ModelLoadError, supportedModelTypes } from '../src/index.js';
import { requireModelData } from './helpers/model-data.js';

function withConfig(model: string, edit: (config: Record<string, unknown>) => void): string {
  const source = requireModelData(model);
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-arch-'));
  copyFileSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  const config = JSON.parse(readFileSync(join(source, 'config.json'), 'utf8'));
  edit(config);
  writeFileSync(join(folder, 'config.json'), JSON.stringify(config));
  return folder;
}

async function loadError(folder: string): Promise<ModelLoadError> {
  const error = await loadLanguageModel(folder, { dtype: 'float32' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ModelLoadError.isInstance(error), `expected a ModelLoadError, got ${String(error)}`).toBe(true);
  expect(MlxTsError.isInstance(error)).toBe(true);
  expect((error as ModelLoadError).code).toBe('model_load_error');
  return error as ModelLoadError;
}

describe('weights that do not fit the architecture', () => {
  it('lists every registered model type', () => {
    expect(supportedModelTypes().sort()).toEqual(['gemma2', 'gemma3', 'gemma3_text', 'llama', 'mistral', 'mixtral', 'phi3', 'qwen2', 'qwen3', 'qwen3_moe']);
  });

  it("merges generation_config.json's eos ids into config.json's", async () => {
    const model = await loadLanguageModel(requireModelData('tiny-llama'), { dtype: 'float32' });
    try {
      expect(model.config.eosTokenIds).toEqual([1, 4]);
      expect(model.config.bosTokenId).toBe(0);
    } finally {
      model.dispose();
    }
  });

  it('biases the config does not ask for are named as unused', async () => {
    const error = await loadError(withConfig('tiny-llama', (c) => (c.attention_bias = false)));
    expect(error.problem).toMatch(/^12 weights not used by the llama architecture: "model\.layers\.\d\.self_attn\.[qkvo]_proj\.bias"/);
  });

  it('a Qwen 3 checkpoint declared as Qwen 2 misses the q/k/v biases', async () => {
    const error = await loadError(withConfig('tiny-qwen3', (c) => (c.model_type = 'qwen2')));
    expect(error.problem).toMatch(/the weight "model\.layers\.0\.self_attn\.q_proj\.bias" is missing/);
  });

  it('a missing weight is named', async () => {
    const error = await loadError(withConfig('tiny-qwen2', (c) => (c.model_type = 'qwen3')));
    expect(error.problem).toMatch(/the weight "model\.layers\.0\.self_attn\.q_norm\.weight" is missing/);
  });

  it('an untied config over tied weights misses lm_head', async () => {
    const error = await loadError(withConfig('tiny-qwen2', (c) => (c.tie_word_embeddings = false)));
    expect(error.problem).toMatch(/"lm_head\.weight" is missing/);
  });

  it('an extra tensor is named; stored RoPE inverse frequencies are not weights and are dropped', async () => {
    const folder = withConfig('tiny-llama', () => {});
    const extra = (name: string) => mx.tidy(() => mx.io.saveSafetensors(join(folder, 'extra.safetensors'), { [name]: mx.ones([16]) }));
    extra('model.layers.0.self_attn.rotary_emb.inv_freq');
    const model = await loadLanguageModel(folder, { dtype: 'float32' });
    model.dispose();
    extra('model.layers.0.mystery.weight');
    const error = await loadError(folder);
    expect(error.problem).toBe('1 weight not used by the llama architecture: "model.layers.0.mystery.weight"');
  });

  it('an unknown RoPE type is refused at config time', async () => {
    const error = await loadError(withConfig('tiny-llama', (c) => (c.rope_scaling = { rope_type: 'mystery', factor: 2 })));
    expect(error.problem).toMatch(/RoPE type "mystery" is not supported/);
  });
});
