// Runs the n choices of each prompt one after another on the backend and tags every event with
// its choice index (prompt p, choice j → index p·n + j). Choices share the backend's FIFO queue
// with other requests, and consecutive choices of one prompt reuse its cached prefix.
import type { Backend, GenerateEvent, GenerateOptions, GenerateRequest, GenerateResult, Message } from '@mlx-ts/backend';

export type GenerationInput = { messages: readonly Message[] } | { prompt: string | readonly number[] };

export type ChoiceEvent = { index: number; choiceOfPrompt: number } & GenerateEvent;

export async function* generateChoices(
  backend: Backend,
  inputs: readonly GenerationInput[],
  n: number,
  options: GenerateOptions,
  signal: AbortSignal,
): AsyncGenerator<ChoiceEvent> {
  for (const [promptIndex, input] of inputs.entries()) {
    for (let choice = 0; choice < n; choice++) {
      // A seeded request with n > 1 still gives n different samples, reproducibly.
      const seed = options.seed === undefined ? undefined : options.seed + choice;
      const request = { ...input, ...options, ...(seed === undefined ? {} : { seed }) } as GenerateRequest;
      const index = promptIndex * n + choice;
      for await (const event of backend.stream(request, signal)) {
        yield { index, choiceOfPrompt: choice, ...event };
      }
    }
  }
}

/** Usage of a whole request: each prompt counted once, every choice's completion counted. */
export function addUsage(total: GenerateResult['usage'], result: GenerateResult, choiceOfPrompt: number): void {
  if (choiceOfPrompt === 0) {
    total.promptTokens += result.usage.promptTokens;
    total.cachedPromptTokens += result.usage.cachedPromptTokens;
  }
  total.completionTokens += result.usage.completionTokens;
}
