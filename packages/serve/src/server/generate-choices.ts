// Runs the n choices of each prompt one after another on the backend and tags every event with
// its choice index (prompt p, choice j → index p·n + j). Choices share the backend's FIFO queue
// with other requests, and consecutive choices of one prompt reuse its cached prefix.
import type { Backend, GenerateOptions, GenerateRequest, GenerateResult, Message, TextEvent, ToolCallDeltaEvent } from '@mlx-ts/spec';

export type GenerationInput = { messages: readonly Message[] } | { prompt: string | readonly number[] };

/** A backend stream event of one choice; the last one of each choice carries the whole result. */
export type ChoiceEvent = { index: number; choiceOfPrompt: number } & (
  | TextEvent
  // The call's own index (within the choice) moves to callIndex; `index` is the choice's.
  | (Omit<ToolCallDeltaEvent, 'index'> & { callIndex: number })
  | ({ type: 'done' } & GenerateResult)
);

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
      const events = backend.stream(request, signal);
      try {
        for (;;) {
          const next = await events.next();
          // The generator's return value is the whole result; the done event before it only summarises.
          if (next.done) {
            yield { index, choiceOfPrompt: choice, type: 'done', ...next.value };
            break;
          }
          if (next.value.type === 'tool-call-delta') yield { ...next.value, callIndex: next.value.index, index, choiceOfPrompt: choice };
          else if (next.value.type !== 'done') yield { index, choiceOfPrompt: choice, ...next.value };
        }
      } finally {
        // Stopped early (the client left): end the backend's stream too, so it frees the model.
        await events.return(undefined as never);
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
