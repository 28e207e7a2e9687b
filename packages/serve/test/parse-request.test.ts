// OpenAI snake_case parameters → the backend's GenerateOptions, and what is refused.
import { describe, expect, it } from 'vitest';
import { OpenAIError } from '../src/index.js';
import { RequestParser } from '../src/server/parse-request.js';

const parser = new RequestParser();
const messages = [{ role: 'user', content: 'Hi' }];

describe('parseChatCompletion', () => {
  it('maps every supported parameter to its GenerateOptions name', () => {
    const parsed = parser.parseChatCompletion({
      model: 'm',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
          name: 'ann',
        },
      ],
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      min_p: 0.05,
      repetition_penalty: 1.1,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      logit_bias: { '12': -100, '7': 2.5 },
      seed: 42,
      stop: 'END',
      max_tokens: 10,
      max_completion_tokens: 5,
      logprobs: true,
      top_logprobs: 3,
      n: 2,
      stream: true,
      stream_options: { include_usage: true },
      user: 'someone',
      response_format: { type: 'text' },
    });
    expect(parsed).toEqual({
      model: 'm',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'a\nb' },
      ],
      n: 2,
      stream: true,
      includeUsage: true,
      options: {
        temperature: 0.7,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        repetitionPenalty: 1.1,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        logitBias: { 12: -100, 7: 2.5 },
        seed: 42,
        stop: ['END'],
        maxTokens: 5,
        logprobs: true,
        topLogprobs: 3,
      },
    });
  });

  it('null means "use the default", as Python clients send it', () => {
    const parsed = parser.parseChatCompletion({ model: 'm', messages, temperature: null, stop: null, stream: null, seed: null, n: null });
    expect(parsed.options).toEqual({});
    expect(parsed.n).toBe(1);
    expect(parsed.stream).toBe(false);
  });

  it('rejections are OpenAIError 400 with the parameter', () => {
    const refuse = (body: unknown) => {
      try {
        parser.parseChatCompletion(body);
      } catch (error) {
        expect(OpenAIError.isInstance(error)).toBe(true);
        return [(error as OpenAIError).status, (error as OpenAIError).param];
      }
      throw new Error('accepted');
    };
    expect(refuse({ model: 'm', messages, functions: [] })).toEqual([400, 'functions']);
    expect(refuse({ model: 'm', messages, temperature: Number.NaN })).toEqual([400, 'temperature']);
    expect(refuse({ model: 'm', messages, temperature: '0.5' })).toEqual([400, 'temperature']);
    expect(refuse({ model: 'm', messages: [{ role: 'user' }] })).toEqual([400, 'messages[0].content']);
    expect(refuse({ messages })).toEqual([400, 'model']);
    expect(refuse(null)).toEqual([400, null]);
  });
});

describe('parseCompletion', () => {
  it('defaults max_tokens to 16 and maps logprobs N to topLogprobs N', () => {
    const parsed = parser.parseCompletion({ model: 'm', prompt: 'Once', logprobs: 2 });
    expect(parsed.prompts).toEqual(['Once']);
    expect(parsed.options).toEqual({ maxTokens: 16, logprobs: true, topLogprobs: 2 });
  });

  it('accepts every prompt form: text, texts, token ids, token-id lists', () => {
    expect(parser.parseCompletion({ model: 'm', prompt: ['a', 'b'] }).prompts).toEqual(['a', 'b']);
    expect(parser.parseCompletion({ model: 'm', prompt: [2, 5, 9] }).prompts).toEqual([[2, 5, 9]]);
    expect(parser.parseCompletion({ model: 'm', prompt: [[2, 5], [7]] }).prompts).toEqual([[2, 5], [7]]);
  });
});
