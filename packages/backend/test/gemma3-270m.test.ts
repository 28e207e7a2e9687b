// The real Gemma 3 270M (GGUF) through MlxBackend: greedy generation repeats the reference
// continuation (transformers on the same GGUF), and streaming gives the same text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlxBackend } from '../src/index.js';
import { modelsFixtures, readJson, requireModelData } from './helpers.js';

interface Reference {
  prompts: { text: string; ids: number[]; gguf: { greedyIds: number[]; greedyText: string } }[];
}

const reference = readJson<Reference>(`${modelsFixtures}/gemma3-270m-reference.json`);

let backend: MlxBackend;
beforeAll(async () => {
  // The file's weights exactly (Q6_K not re-encoded as 8-bit): the continuations are compared
  // token for token with the reference's; the lossy default's drift is measured in @mlx-ts/models.
  backend = await MlxBackend.load(requireModelData('gemma-3-270m-q4_k_m.gguf'), { requantizeLossy: false });
});
afterAll(async () => {
  await backend?.dispose();
});

describe('Gemma 3 270M through MlxBackend', () => {
  it.each(reference.prompts.slice(0, 3).map((p) => [p.text.slice(0, 24), p] as const))('greedy continuation of %j equals the reference', async (_, prompt) => {
    const result = await backend.generate(prompt.text, { maxTokens: prompt.gguf.greedyIds.length, ignoreEos: true });
    expect(result.usage.promptTokens).toBe(prompt.ids.length);
    expect(result.tokenIds).toEqual(prompt.gguf.greedyIds);
    expect(result.text).toBe(prompt.gguf.greedyText);
  });

  it('streamed deltas concatenate to the reference text', async () => {
    const prompt = reference.prompts[0];
    let text = '';
    for await (const event of backend.stream({ prompt: prompt.text, maxTokens: prompt.gguf.greedyIds.length, ignoreEos: true })) {
      if (event.type === 'text') text += event.text;
    }
    expect(text).toBe(prompt.gguf.greedyText);
  });

  it('the reference prompts run together in one batch, each still equal to its reference', async () => {
    const prompts = reference.prompts.slice(0, 3);
    const results = await Promise.all(prompts.map((p) => backend.generate(p.text, { maxTokens: p.gguf.greedyIds.length, ignoreEos: true })));
    results.forEach((result, i) => expect(result.tokenIds, prompts[i].text).toEqual(prompts[i].gguf.greedyIds));
  });
});
