// The repositories the test hub serves: the tiny random Gemma 3 (made by tools/setup-test-data.sh)
// with the small test tokenizer, dressed like a real repository with files a model does not need.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HubRepoFixture } from './hub-server.js';
import { requireModelData } from './model-data.js';

const tokenizerFolder = resolve(import.meta.dirname, '../../../backend/test/fixtures/tiny-tokenizer');

/** What `tiny-org/tiny-gemma3` holds that a model needs. */
export const tinyModelFiles = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

export function tinyGemmaFiles(): Record<string, Uint8Array | string> {
  const model = requireModelData('tiny-gemma3');
  return {
    'config.json': readFileSync(join(model, 'config.json')),
    'generation_config.json': JSON.stringify({ bos_token_id: 2, eos_token_id: [1, 106], pad_token_id: 0 }),
    'model.safetensors': readFileSync(join(model, 'model.safetensors')),
    'tokenizer.json': readFileSync(join(tokenizerFolder, 'tokenizer.json')),
    'tokenizer_config.json': readFileSync(join(tokenizerFolder, 'tokenizer_config.json')),
    // Files a model does not need: never downloaded.
    'README.md': '---\nlicense: mit\n---\n# tiny-gemma3\nA random-weight Gemma 3 for tests.\n',
    '.gitattributes': '*.safetensors filter=lfs diff=lfs merge=lfs -text\n',
    'onnx/model.onnx': new Uint8Array(4096).fill(7),
  };
}

export function hubFixtures(): HubRepoFixture[] {
  const tiny = tinyGemmaFiles();
  return [
    { id: 'tiny-org/tiny-gemma3', files: tiny, branches: ['v1.0'] },
    { id: 'tiny-org/gated-gemma3', files: tiny, gated: true },
    {
      id: 'tiny-org/tiny-gguf',
      files: {
        'README.md': '# GGUF quantizations\n',
        'tiny-Q4_K_M.gguf': new Uint8Array(3000).fill(4),
        'tiny-Q8_0.gguf': new Uint8Array(5000).fill(8),
        'tiny-Q2_K-00001-of-00002.gguf': new Uint8Array(100).fill(2),
        'tiny-Q2_K-00002-of-00002.gguf': new Uint8Array(100).fill(2),
        'mmproj-tiny-f16.gguf': new Uint8Array(100).fill(1),
      },
    },
    { id: 'tiny-org/readme-only', files: { 'README.md': '# nothing to load\n', 'pytorch_model.bin': new Uint8Array(64) } },
    // A listing that tries to write outside the cache.
    { id: 'tiny-org/escape', files: { 'README.md': '# escape\n', '../../escaped-Q4_K_M.gguf': new Uint8Array(64) } },
  ];
}
