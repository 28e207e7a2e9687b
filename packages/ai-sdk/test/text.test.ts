// generateText and streamText from the real `ai` package over a real MlxBackend on the tiny
// random Gemma 3: the text equals the engine's own greedy text, usage and finish reasons are the
// engine's, every setting reaches the engine or comes back as a warning, aborts stop generation.
import { generateText, streamText } from 'ai';
import { UnsupportedFunctionalityError } from '@ai-sdk/provider';
import { MlxBackend, WorkerBackend } from '@mlx-ts/backend';
import { InvalidRequestError } from '@mlx-ts/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlx } from '../src/index.js';
import { RecordingBackend, tinyModelFolder } from './helpers.js';

let folder: string;
let engine: MlxBackend;
let backend: RecordingBackend;

beforeAll(async () => {
  folder = tinyModelFolder();
  engine = await MlxBackend.load(folder, { dtype: 'float32' });
  backend = new RecordingBackend(engine);
});

afterAll(async () => {
  await engine?.dispose();
});

// A prompt on which the tiny model writes whole characters token by token (many text deltas).
const prompt = 'hello world';
const userMessage = { role: 'user' as const, content: prompt };

describe('generateText', () => {
  it('returns the engine greedy text, with its usage, finish reason and timings', async () => {
    const reference = await engine.chat([userMessage], { maxTokens: 12 });
    const model = mlx({ backend });
    const result = await generateText({ model, prompt, maxOutputTokens: 12 });
    const call = backend.lastCall;
    expect(call.request).toEqual({ messages: [userMessage], maxTokens: 12 });
    expect(result.text).toBe(reference.text);
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe(reference.finishReason === 'length' ? 'length' : 'stop');
    expect(result.rawFinishReason).toBe(reference.finishReason);
    const usage = call.result!.usage;
    expect(usage.promptTokens).toBe(engine.tokenizer.encodeChat([userMessage], { addGenerationPrompt: true }).length);
    expect(result.usage).toMatchObject({
      inputTokens: usage.promptTokens,
      inputTokenDetails: { noCacheTokens: usage.promptTokens - usage.cachedPromptTokens, cacheReadTokens: usage.cachedPromptTokens },
      outputTokens: reference.usage.completionTokens,
      totalTokens: usage.promptTokens + reference.usage.completionTokens,
    });
    expect(result.providerMetadata?.mlx?.timings).toEqual(call.result!.timings);
    expect(Object.keys(call.result!.timings).sort()).toEqual(['generationTokensPerSecond', 'peakMemoryBytes', 'promptTokensPerSecond', 'queueMs', 'ttftMs']);
    expect(result.response.modelId).toBe(engine.name);
    expect(result.warnings).toEqual([]);
  });

  it('reports the prompt tokens the engine reused from the previous turn as cache reads', async () => {
    const model = mlx({ backend });
    const first = await generateText({ model, prompt, maxOutputTokens: 8 });
    const second = await generateText({
      model,
      messages: [userMessage, { role: 'assistant', content: first.text }, { role: 'user', content: 'and then?' }],
      maxOutputTokens: 8,
    });
    const usage = backend.lastCall.result!.usage;
    // The second prompt continues the first: its KV state is reused, not computed again.
    expect(usage.cachedPromptTokens).toBeGreaterThanOrEqual(first.usage.inputTokens!);
    expect(second.usage.inputTokenDetails).toEqual({
      noCacheTokens: usage.promptTokens - usage.cachedPromptTokens,
      cacheReadTokens: usage.cachedPromptTokens,
      cacheWriteTokens: undefined,
    });
  });

  it('maps a system prompt and a conversation to the engine messages', async () => {
    await generateText({
      model: mlx({ backend }),
      system: 'answer briefly',
      messages: [
        { role: 'user', content: 'hello' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'hi ' },
            { type: 'text', text: 'there' },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'the ' },
            { type: 'text', text: 'fox' },
          ],
        },
      ],
      maxOutputTokens: 2,
    });
    expect(backend.lastCall.request).toEqual({
      messages: [
        { role: 'system', content: 'answer briefly' },
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: 'hi there' },
        { role: 'user', content: 'the fox' },
      ],
      maxTokens: 2,
    });
  });

  it('passes every sampling setting and providerOptions.mlx to the engine', async () => {
    const settings = {
      model: mlx({ backend }),
      prompt,
      maxOutputTokens: 6,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      stopSequences: ['zzz'],
      providerOptions: { mlx: { minP: 0.05, repetitionPenalty: 1.1, logitBias: { '5': -2 }, logprobs: true, topLogprobs: 2 } },
    };
    const first = await generateText(settings);
    expect(backend.lastCall.request).toEqual({
      messages: [userMessage],
      maxTokens: 6,
      temperature: 0.7,
      topP: 0.9,
      topK: 40,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      stop: ['zzz'],
      logitBias: { 5: -2 },
      minP: 0.05,
      repetitionPenalty: 1.1,
      logprobs: true,
      topLogprobs: 2,
    });
    const logprobs = first.providerMetadata?.mlx?.logprobs as { tokenId: number; top: unknown[] }[];
    expect(logprobs.map((entry) => entry.tokenId)).toEqual(backend.lastCall.result!.tokenIds);
    expect(logprobs.every((entry) => entry.top.length === 2)).toBe(true);
    // The seed reaches the sampler: the same seed samples the same text.
    const second = await generateText(settings);
    expect(second.text).toBe(first.text);
  });

  it('stops before a stop sequence', async () => {
    const full = await engine.chat([userMessage], { maxTokens: 24 });
    const stop = full.text.slice(6, 9);
    const result = await generateText({ model: mlx({ backend }), prompt, maxOutputTokens: 24, stopSequences: [stop] });
    expect(result.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(result.finishReason).toBe('stop');
  });

  it('reports the settings it cannot honour as warnings', async () => {
    const result = await generateText({
      model: mlx({ backend }),
      prompt,
      maxOutputTokens: 2,
      headers: { 'x-trace': '1' },
      reasoning: 'high',
      providerOptions: { mlx: { speculative: true } },
    });
    expect(result.warnings).toEqual([
      { type: 'unsupported', feature: 'providerOptions.mlx.speculative' },
      { type: 'unsupported', feature: 'headers', details: 'the model runs in this process; there is no HTTP request to send them with' },
      { type: 'unsupported', feature: 'reasoning', details: 'reasoning effort "high" has no meaning for these models' },
    ]);
    expect(backend.lastCall.request).toEqual({ messages: [userMessage], maxTokens: 2 });
  });

  it('passes the engine errors through, typed', async () => {
    const error = await generateText({ model: mlx({ backend }), prompt, temperature: -1, maxRetries: 0 }).catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).param).toBe('temperature');
  });

  it('rejects with the abort reason when the signal fires during generation', async () => {
    const controller = new AbortController();
    backend.onEvent = (event) => event.type === 'text' && controller.abort(new Error('the user left'));
    try {
      const error = await generateText({
        model: mlx({ backend }),
        prompt,
        maxOutputTokens: 500,
        providerOptions: { mlx: { ignoreEos: true } },
        abortSignal: controller.signal,
      }).catch((e: unknown) => e);
      expect((error as Error).message).toBe('the user left');
    } finally {
      backend.onEvent = undefined;
    }
    expect(backend.lastCall.result!.finishReason).toBe('abort');
    expect(backend.lastCall.result!.usage.completionTokens).toBeLessThan(500);
  });

  it('runs over a WorkerBackend (the model on a worker thread) as over any Backend', async () => {
    const reference = await engine.chat([userMessage], { maxTokens: 10 });
    await using worker = await WorkerBackend.load(folder, { dtype: 'float32' });
    const result = await generateText({ model: mlx({ backend: worker }), prompt, maxOutputTokens: 10 });
    expect(result.text).toBe(reference.text);
    expect(result.usage.outputTokens).toBe(reference.usage.completionTokens);
  });

  it('refuses file parts with a typed error', async () => {
    const error = await generateText({
      model: mlx({ backend }),
      messages: [{ role: 'user', content: [{ type: 'file', data: new Uint8Array([1, 2, 3]), mediaType: 'image/png' }] }],
    }).catch((e: unknown) => e);
    expect(UnsupportedFunctionalityError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('user messages may not hold file parts');
  });
});

describe('streamText', () => {
  it('streams deltas that reassemble into the engine greedy text', async () => {
    const reference = await engine.chat([userMessage], { maxTokens: 16 });
    const result = streamText({ model: mlx({ backend }), prompt, maxOutputTokens: 16 });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe(reference.text);
    expect(await result.text).toBe(reference.text);
    expect(deltas).toEqual(
      backend.lastCall.events.filter((event) => event.type === 'text' && event.text !== '').map((event) => (event as { text: string }).text),
    );
    const done = backend.lastCall.events.at(-1)!;
    expect(done.type).toBe('done');
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(reference.usage.promptTokens);
    expect(usage.outputTokens).toBe(reference.usage.completionTokens);
    expect(usage.inputTokenDetails.cacheReadTokens).toBe(backend.lastCall.result!.usage.cachedPromptTokens);
    expect(await result.finishReason).toBe(reference.finishReason === 'length' ? 'length' : 'stop');
    expect((await result.providerMetadata)?.mlx?.timings).toEqual(backend.lastCall.result!.timings);
  });

  it('surfaces an engine error through the stream', async () => {
    const result = streamText({ model: mlx({ backend }), prompt, topP: 2 });
    const error = await Promise.resolve(result.text).catch((e: unknown) => e);
    expect(InvalidRequestError.isInstance(error)).toBe(true);
    expect((error as InvalidRequestError).param).toBe('topP');
  });

  it('collects the streamed log-probabilities into the finish metadata', async () => {
    const result = streamText({ model: mlx({ backend }), prompt, maxOutputTokens: 6, providerOptions: { mlx: { logprobs: true } } });
    await result.consumeStream();
    const logprobs = (await result.providerMetadata)?.mlx?.logprobs as { tokenId: number; logprob: number }[];
    expect(logprobs).toEqual(backend.lastCall.result!.logprobs);
    expect(logprobs.map((entry) => entry.tokenId)).toEqual(backend.lastCall.result!.tokenIds);
  });

  it('emits every engine event as a raw chunk when asked', async () => {
    const result = streamText({ model: mlx({ backend }), prompt, maxOutputTokens: 4, includeRawChunks: true });
    const raw: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === 'raw') raw.push(part.rawValue);
    expect(raw).toEqual(backend.lastCall.events);
  });

  it('stops generating when the abort signal fires mid-stream', async () => {
    const full = await engine.chat([userMessage], { maxTokens: 64 });
    const controller = new AbortController();
    let aborted = false;
    const result = streamText({ model: mlx({ backend }), prompt, maxOutputTokens: 64, abortSignal: controller.signal, onAbort: () => void (aborted = true) });
    const received: string[] = [];
    for await (const delta of result.textStream) {
      received.push(delta);
      if (received.length === 2) controller.abort();
    }
    expect(aborted).toBe(true);
    expect(full.text.startsWith(received.join(''))).toBe(true);
    // Generation stopped early: the engine produced fewer tokens than the uninterrupted request.
    const generated = backend.lastCall.events.reduce((count, event) => count + (event.type === 'text' ? event.tokenIds.length : 0), 0);
    expect(generated).toBeLessThan(full.usage.completionTokens);
    // The engine is free again: the next request runs to its end.
    const after = await generateText({ model: mlx({ backend }), prompt, maxOutputTokens: 3 });
    expect(after.finishReason).toBe('length');
  });
});

describe('mlx(reference)', () => {
  it('loads the model on first use, once, and frees it on dispose', async () => {
    const model = mlx(folder, { dtype: 'float32' });
    expect(model.modelId).toBe(folder);
    const [a, b] = await Promise.all([model.backend(), model.backend()]);
    expect(a).toBe(b);
    const reference = await engine.chat([userMessage], { maxTokens: 8 });
    const result = await generateText({ model, prompt, maxOutputTokens: 8 });
    expect(result.text).toBe(reference.text);
    await model.dispose();
    expect(a.available()).toBe(false);
  });

  it('rejects each call with the load error until the model can be loaded', async () => {
    const model = mlx(`${folder}-missing`);
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await generateText({ model, prompt, maxRetries: 0 }).catch((e: unknown) => e);
      expect((error as Error).name).toBe('ModelLoadError');
      expect((error as Error).message).toContain(`${folder}-missing: it does not exist`);
    }
  });
});
