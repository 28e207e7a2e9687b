// Tiny GGUF files in llama.cpp's layout (tools/fixtures/models/make-tiny-gguf.py: its tensor names,
// Q/K row permutation for Llama, Llama 3 RoPE as rope_freqs.weight, YaRN keys, byte-level vocabulary):
// tiny-llama.gguf and tiny-qwen3.gguf must reproduce transformers' logits of the HF folders they were
// converted from; tiny-qwen2.gguf (Q8_0 MLP) those of transformers reading the GGUF itself.
import * as mx from '@mlx-ts/core';
import { afterAll, describe, expect, it } from 'vitest';
import { float32Tolerance } from './helpers/tolerance.js';
import { loadModel } from '../src/index.js';
import { readFixture } from './helpers/fixtures.js';
import { describeParity, type ParityCase, printReport } from './helpers/parity.js';
import { requireModelData } from './helpers/model-data.js';

const report: ParityCase['report'] = new Map();
afterAll(() => printReport(report));

const float32 = { dtype: 'float32', keepQuantized: false } as const;
const tolerance = float32Tolerance('logits', mx.defaultDevice());
describeParity({ model: 'tiny-llama.gguf', fixture: 'tiny-llama-reference.json', modelType: 'llama', load: float32, tolerance, report });
describeParity({ model: 'tiny-qwen3.gguf', fixture: 'tiny-qwen3-reference.json', modelType: 'qwen3', load: float32, tolerance, report });
describeParity({ model: 'tiny-qwen2.gguf', fixture: 'tiny-qwen2.gguf-reference.json', modelType: 'qwen2', load: float32, tolerance, report });
// Q8_0 kept as MLX affine quantization (lossless), multiplied by the quantized kernels.
describeParity({
  model: 'tiny-qwen2.gguf',
  fixture: 'tiny-qwen2.gguf-reference.json',
  modelType: 'qwen2',
  load: { dtype: 'float32', keepQuantized: true },
  tolerance,
  report,
});

describe('a GGUF byte-level (gpt2) vocabulary', () => {
  it('tokenizes like transformers reading the same GGUF, and carries the chat template and special ids', async () => {
    const { tokenizer: expected } = readFixture<{ tokenizer: { text: string; ids: number[] } }>('tiny-qwen2.gguf-reference.json');
    const loaded = await loadModel(requireModelData('tiny-qwen2.gguf'), float32);
    try {
      expect(loaded.tokenizer.encode(expected.text, { addSpecialTokens: false })).toEqual(expected.ids);
      expect(loaded.tokenizer.decode(expected.ids)).toBe(expected.text);
      expect(loaded.config.eosTokenIds).toContain(4);
      expect(loaded.tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }], { addGenerationPrompt: true })).toBe(
        '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
      );
    } finally {
      loaded.dispose();
    }
  });
});
