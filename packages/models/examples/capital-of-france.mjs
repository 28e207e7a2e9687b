// Loads Gemma 3 270M from its GGUF file and prints the greedy continuation of a prompt.
// Usage: node examples/capital-of-france.mjs [path/to/gemma-3-270m-q4_k_m.gguf] [max tokens]
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { loadModel } from '@mlx-ts/models';

const path = process.argv[2] ?? fileURLToPath(new URL('../../../.cache/models/gemma-3-270m-q4_k_m.gguf', import.meta.url));
const maxTokens = Number(process.argv[3] ?? 32);
const prompt = 'The capital of France is';

const { model, tokenizer } = await loadModel(path);
const cache = model.makeCache();
let input = tokenizer.encode(prompt);
const generated = [];
for (let i = 0; i < maxTokens; i++) {
  const next = mx.tidy(() => {
    const hidden = model.forward(mx.array([input], 'int32'), cache);
    const last = mx.slice(hidden, [0, input.length - 1, 0], [1, input.length, hidden.shape[2]]);
    return mx.argmax(model.unembed(last), -1).item();
  });
  if (model.config.eosTokenIds.includes(next)) break;
  generated.push(next);
  input = [next];
}
console.log(prompt + tokenizer.decode(generated));
