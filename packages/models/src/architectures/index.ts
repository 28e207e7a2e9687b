// The built-in architectures by model_type: a new architecture is one file and one line here.
import { gemma3 } from '../gemma3/index.js';
import type { Architecture } from '../registry.js';
import { gemma2 } from './gemma2.js';
import { llama } from './llama.js';
import { mistral } from './mistral.js';
import { mixtral } from './mixtral.js';
import { phi3 } from './phi3.js';
import { qwen2 } from './qwen2.js';
import { qwen3 } from './qwen3.js';
import { qwen3Moe } from './qwen3-moe.js';

export const builtinArchitectures: Readonly<Record<string, Architecture>> = {
  llama: llama as Architecture,
  mistral: mistral as Architecture,
  qwen2: qwen2 as Architecture,
  qwen3: qwen3 as Architecture,
  qwen3_moe: qwen3Moe as unknown as Architecture,
  mixtral: mixtral as unknown as Architecture,
  gemma2: gemma2 as Architecture,
  gemma3_text: gemma3 as unknown as Architecture,
  gemma3: gemma3 as unknown as Architecture,
  phi3: phi3 as Architecture,
};
