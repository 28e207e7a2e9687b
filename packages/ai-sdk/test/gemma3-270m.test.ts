// End to end on Gemma 3 270M: the real `ai` package over the real model gives mlx-lm's greedy
// answer (the oracle fixture of the server tests, packages/serve/fixtures-gen/make-serve-reference.py).
import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MlxLanguageModel, mlx } from '../src/index.js';
import { requireModelData, serveReference } from './helpers.js';

const { chat, maxTokens } = serveReference;
let model: MlxLanguageModel;

beforeAll(() => {
  model = mlx(requireModelData('gemma-3-270m-bf16'), { dtype: 'float32' });
});

afterAll(async () => {
  await model?.dispose();
});

describe('Gemma 3 270M through the AI SDK', () => {
  it('generateText gives the reference greedy text and token counts', async () => {
    const result = await generateText({ model, messages: chat.messages, maxOutputTokens: maxTokens, temperature: 0 });
    expect(result.text).toBe(chat.text);
    expect(result.usage.inputTokens).toBe(chat.promptTokens);
    expect(result.usage.outputTokens).toBe(chat.completionIds.length);
    expect(result.finishReason).toBe(chat.completionIds.length === maxTokens ? 'length' : 'stop');
  });

  it('streamText deltas reassemble into the reference greedy text', async () => {
    const result = streamText({ model, messages: chat.messages, maxOutputTokens: maxTokens, temperature: 0 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(chat.text);
    expect((await result.usage).outputTokens).toBe(chat.completionIds.length);
  });
});
