// The two OpenAI response dialects: chat.completion(.chunk) and text_completion. A route drives
// generation once; a ResponseFormat turns its events into the endpoint's exact JSON shapes.
import type { FinishReason, TokenLogprob, ToolCall, ToolCallDeltaEvent, Usage } from '@mlx-ts/spec';

/** A tool-call delta of one choice; `callIndex` is the call's index within the choice. */
export type ChoiceToolCallDelta = Omit<ToolCallDeltaEvent, 'index'> & { callIndex: number };

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function usageObject(usage: Usage): OpenAIUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedPromptTokens },
  };
}

/** 'abort' only reaches a client when the server stops a request while draining; OpenAI has no such reason. */
export function openAIFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' {
  return reason === 'length' || reason === 'tool_calls' ? reason : 'stop';
}

export interface ResponseFormat {
  idPrefix: string;
  object: string;
  chunkObject: string;
  /** The chunk that opens a streamed choice (chat: the assistant role), if any. */
  openingDelta(index: number): Record<string, unknown> | undefined;
  /** A streamed piece of text; `offset` is the character position of `text` within the choice. */
  deltaChoice(index: number, text: string, logprobs: TokenLogprob[] | undefined, offset: number): Record<string, unknown>;
  finishDelta(index: number, reason: FinishReason): Record<string, unknown>;
  /** A streamed piece of a tool call (chat only). */
  toolCallDelta?(index: number, event: ChoiceToolCallDelta): Record<string, unknown>;
  fullChoice(index: number, text: string, logprobs: TokenLogprob[] | undefined, reason: FinishReason, toolCalls?: ToolCall[]): Record<string, unknown>;
}

function bytes(token: string): number[] {
  return [...Buffer.from(token, 'utf8')];
}

function chatLogprobs(entries: TokenLogprob[] | undefined): Record<string, unknown> | null {
  if (!entries) return null;
  return {
    content: entries.map((entry) => ({
      token: entry.token,
      logprob: entry.logprob,
      bytes: bytes(entry.token),
      top_logprobs: (entry.top ?? []).map((top) => ({ token: top.token, logprob: top.logprob, bytes: bytes(top.token) })),
    })),
    refusal: null,
  };
}

export const chatFormat: ResponseFormat = {
  idPrefix: 'chatcmpl-',
  object: 'chat.completion',
  chunkObject: 'chat.completion.chunk',
  openingDelta: (index) => ({ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }),
  deltaChoice: (index, text, logprobs) => ({ index, delta: { content: text }, logprobs: chatLogprobs(logprobs), finish_reason: null }),
  finishDelta: (index, reason) => ({ index, delta: {}, logprobs: null, finish_reason: openAIFinishReason(reason) }),
  // OpenAI's shape: the first delta of a call has its id, type and name with empty arguments; later ones only argument text.
  toolCallDelta: (index, event) => ({
    index,
    delta: {
      tool_calls: [
        event.id !== undefined
          ? { index: event.callIndex, id: event.id, type: 'function', function: { name: event.name ?? '', arguments: event.argumentsDelta } }
          : { index: event.callIndex, function: { arguments: event.argumentsDelta } },
      ],
    },
    logprobs: null,
    finish_reason: null,
  }),
  fullChoice: (index, text, logprobs, reason, toolCalls) => ({
    index,
    message: {
      role: 'assistant',
      // With tool calls and no other text, content is null as in OpenAI's responses.
      content: toolCalls?.length && text.trim() === '' ? null : text,
      refusal: null,
      ...(toolCalls?.length ? { tool_calls: toolCalls } : {}),
    },
    logprobs: chatLogprobs(logprobs),
    finish_reason: openAIFinishReason(reason),
  }),
};

function completionLogprobs(entries: TokenLogprob[] | undefined, offset: number): Record<string, unknown> | null {
  if (!entries) return null;
  const textOffset: number[] = [];
  let position = offset;
  for (const entry of entries) {
    textOffset.push(position);
    position += entry.token.length;
  }
  return {
    tokens: entries.map((entry) => entry.token),
    token_logprobs: entries.map((entry) => entry.logprob),
    // Like OpenAI's legacy API, each position lists its alternatives and always the sampled token.
    top_logprobs: entries.map((entry) => {
      const top: Record<string, number> = {};
      for (const alternative of entry.top ?? []) top[alternative.token] = alternative.logprob;
      top[entry.token] ??= entry.logprob;
      return top;
    }),
    text_offset: textOffset,
  };
}

export const completionFormat: ResponseFormat = {
  idPrefix: 'cmpl-',
  object: 'text_completion',
  chunkObject: 'text_completion',
  openingDelta: () => undefined,
  deltaChoice: (index, text, logprobs, offset) => ({ index, text, logprobs: completionLogprobs(logprobs, offset), finish_reason: null }),
  finishDelta: (index, reason) => ({ index, text: '', logprobs: null, finish_reason: openAIFinishReason(reason) }),
  fullChoice: (index, text, logprobs, reason) => ({ index, text, logprobs: completionLogprobs(logprobs, 0), finish_reason: openAIFinishReason(reason) }),
};
