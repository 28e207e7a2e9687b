// The Backend's finish reason, usage and timings in the AI SDK's terms.
import type { LanguageModelV4FinishReason, LanguageModelV4Usage, SharedV4ProviderMetadata } from '@ai-sdk/provider';
import type { FinishReason, Timings, TokenLogprob, Usage } from '@mlx-ts/spec';
import { providerKey } from './call-options.js';

const unified: Record<FinishReason, LanguageModelV4FinishReason['unified']> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  // The backend stopped the request on its own (it was shut down): the output may be incomplete.
  abort: 'interrupted',
};

export function toFinishReason(reason: FinishReason): LanguageModelV4FinishReason {
  return { unified: unified[reason] ?? 'other', raw: reason };
}

export function toUsage(usage: Usage): LanguageModelV4Usage {
  return {
    inputTokens: {
      total: usage.promptTokens,
      noCache: usage.promptTokens - usage.cachedPromptTokens,
      cacheRead: usage.cachedPromptTokens,
      cacheWrite: undefined,
    },
    outputTokens: { total: usage.completionTokens, text: usage.completionTokens, reasoning: undefined },
    raw: { ...usage },
  };
}

/** `providerMetadata.mlx`: the timings of the request, and the log-probabilities when asked for. */
export function toProviderMetadata(timings: Timings, logprobs: TokenLogprob[] | undefined): SharedV4ProviderMetadata {
  return { [providerKey]: { timings: { ...timings }, ...(logprobs !== undefined ? { logprobs: logprobs.map((entry) => ({ ...entry })) } : {}) } };
}
